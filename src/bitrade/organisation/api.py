"""Who am I, and reference data (municipalities) for clients building a request."""

from __future__ import annotations

from ninja import Router, Schema

from bitrade.common.actor import KIND_LABELS

from . import selectors

router = Router(tags=["Organisation"])


class MeOut(Schema):
    kind: str
    kind_label: str
    label: str
    organisation_id: int | None = None
    unit_id: int | None = None


class MunicipalityOut(Schema):
    code: str
    name: str
    police_area: str
    region: str


class NotFoundOut(Schema):
    detail: str


@router.get("/me", response={200: MeOut, 401: NotFoundOut}, summary="Vem är jag i Biträde")
def me(request):
    a = request.auth
    return 200, {"kind": a.kind, "kind_label": KIND_LABELS.get(a.kind, a.kind), "label": a.label,
            "organisation_id": a.organisation_id, "unit_id": a.unit_id}


@router.get("/municipalities/{code}", response={200: MunicipalityOut, 401: NotFoundOut, 404: NotFoundOut},
            summary="Kommun, polisområde och polisregion för en kommunkod")
def municipality(request, code: str):
    m = selectors.municipality_by_code(code)
    if m is None:
        return 404, {"detail": f"Okänd kommunkod: {code[:10]}"}
    return 200, {"code": m.code, "name": m.name, "police_area": m.police_area.name,
                 "region": m.police_area.region.name}
