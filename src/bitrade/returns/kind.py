"""Return enforcement registered as a case kind: what the kernel needs to hold, show and close it."""

from __future__ import annotations

from django.db.models import Q

from bitrade.cases.kinds import CaseKind, Panel
from bitrade.organisation.models import UnitKind

from . import services, views
from .actions import ACTIONS


def scope(actor) -> Q | None:
    """Beyond the handling unit, the region's border police sees every return case in its region."""
    if actor.is_police and actor.unit_kind == UnitKind.BORDER_POLICE and actor.region_id:
        return Q(region_id=actor.region_id)
    return None

def stamp_scopes(actor) -> tuple[str, ...]:
    if actor.is_police and actor.unit_kind == UnitKind.BORDER_POLICE and actor.region_id:
        return (f"r:{actor.region_id}:{services.KIND}",)
    return ()



TIMELINE_LABELS = {
    "received": "Mottaget", "assign": "Tilldelat", "screen": "Screening", "note_memo": "Tjänsteanteckning",
    "note_identity": "Identitetsarbete", "note_embassy": "Ambassadkontakt", "document": "Resehandling",
    "supervision": "Uppsikt", "reported": "Anmälan", "report_missed": "Uteblen anmälan",
    "supervision_ended": "Uppsikt upphävd", "detention": "Förvar", "detention_extended": "Förvar förlängt",
    "detention_ended": "Förvar avslutat", "detention_warning": "Förvarets tidsgräns närmar sig",
    "detention_limit": "Förvarets tidsgräns nådd", "detention_review": "Omprövning av förvar",
    "wanted": "Efterlyst", "wanted_cancelled": "Efterlysning återkallad", "found": "Påträffad",
    "transport_ordered": "Transport beställd", "transport_step": "Kriminalvården", "transport_cancelled":
    "Transport avbruten", "outcome": "Utfall", "close": "Avslutat", "status_change": "Statusändring",
    "against_agreement": "I strid med överenskommelsen", "wanted_needed": "Ska efterlysas",
    "lapse_warning": "Preskription närmar sig", "linked": "Kopplat ärende", "found_again": "Påträffad igen",
}

RETURN = CaseKind(
    key=services.KIND,
    label="Verkställighet av avlägsnandebeslut",
    reference_prefix="AV",
    states=services.STATE_LABELS,
    closed_states=frozenset({services.CLOSED}),
    transitions=services.TRANSITIONS,
    actions=ACTIONS,
    closure_checklist=services.closure_checklist,
    timeline_labels=TIMELINE_LABELS,
    panels=(
        Panel("returns/_overview.html", views.overview_context),
        Panel("returns/_work.html", views.work_context, only_handling_unit=True),
    ),
    scope=scope,
    stamp_scopes=stamp_scopes,
    related=("return_case",),
    inbox_values=views.INBOX_VALUES,
    inbox_row=views.inbox_row,
    generic_action_forms=False,  # the kind's own panel has its forms
)
