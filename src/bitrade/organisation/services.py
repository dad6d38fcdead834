"""Changes to the organisation: API keys, loading the geographic structure."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from bitrade.audit import services as audit
from bitrade.common import memo

from .actor import SYSTEM_ACTOR, Actor
from .geodata import load_geodata
from .models import (
    ApiKey,
    County,
    LocalPoliceArea,
    Municipality,
    PoliceArea,
    PoliceRegion,
    RequestingOrganisation,
)

LAST_USED_PRECISION = timedelta(minutes=1)


def _hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def issue_api_key(actor: Actor, organisation: RequestingOrganisation, name: str) -> tuple[ApiKey, str]:
    """Create a key for a machine client. The returned plaintext is shown once and never stored."""
    if not actor.is_administrator and actor.kind != "system":
        raise PermissionDenied("Endast administratörer får utfärda API-nycklar.")
    prefix = secrets.token_hex(4)
    secret = secrets.token_urlsafe(32)
    plaintext = f"{settings.BITRADE_API_KEY_PREFIX}_{prefix}_{secret}"
    with transaction.atomic():
        key = ApiKey.objects.create(
            organisation=organisation, name=name, prefix=prefix, key_hash=_hash_secret(secret),
            created_by_id=actor.person_id,
        )
        audit.record(actor, "api_key.issued", obj=key, new={"organisation": organisation.pk, "name": name,
                                                             "prefix": prefix})
    return key, plaintext


def revoke_api_key(actor: Actor, key: ApiKey, reason: str = "") -> None:
    if not actor.is_administrator:
        raise PermissionDenied("Endast administratörer får återkalla API-nycklar.")
    with transaction.atomic():
        ApiKey.objects.filter(pk=key.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
        audit.record(actor, "api_key.revoked", obj=key, reason=reason)


_KEY_QUERY: dict[tuple, tuple[str, list, list]] = {}

# Small values other apps read on every API request, read in the key's own statement instead (one round trip
# less each): (name, the SQL of a scalar subquery for a connection, what to do with its value within the
# request). Registered from an AppConfig.ready() (``read_with_api_key``): an app above this one names its own
# table, this one knows none.
_WITH_KEY: list[tuple[str, object, object]] = []


def read_with_authentication() -> tuple[tuple[str, object, object], ...]:
    """The values registered with ``read_with_api_key``: a session's person is read with them too
    (``organisation.auth.session_user``), so every authenticated request reads them in its first statement."""
    return tuple(_WITH_KEY)


def read_with_api_key(name: str, sql_for, use) -> None:
    """Read ``sql_for(connection)`` (a scalar subquery without parameters) with every API key's authentication
    and hand its value to ``use(value)`` (e.g. ``memo.keep``); registering the same name again replaces it."""
    _WITH_KEY[:] = [entry for entry in _WITH_KEY if entry[0] != name] + [(name, sql_for, use)]
    _KEY_QUERY.clear()


def _key_query(conn) -> tuple[str, list, list, tuple]:
    """The SQL reading one key with its organisation by prefix (every concrete column of both, then the values
    read with the key), and for each model its fields with their converters: built once per process and
    database vendor (the ORM would compile the same query on every request, most of the read's cost on
    SQLite)."""
    riders = tuple(_WITH_KEY)
    hit = _KEY_QUERY.get((conn.vendor, riders))
    if hit is not None:
        return hit
    qn = conn.ops.quote_name
    key_meta, org_meta = ApiKey._meta, RequestingOrganisation._meta

    def fields_of(meta):
        out = []
        for field in meta.concrete_fields:
            col = field.get_col(meta.db_table)
            out.append((field, [*conn.ops.get_db_converters(col), *col.get_db_converters(conn)], col))
        return out

    key_fields, org_fields = fields_of(key_meta), fields_of(org_meta)
    columns = [f"{qn(key_meta.db_table)}.{qn(f.column)}" for f, _, _ in key_fields]
    columns += [f"{qn(org_meta.db_table)}.{qn(f.column)}" for f, _, _ in org_fields]
    columns += [f"({sql_for(conn)})" for _, sql_for, _ in riders]
    sql = (f"SELECT {', '.join(columns)} FROM {qn(key_meta.db_table)} "  # noqa: S608 - names from the models
           f"INNER JOIN {qn(org_meta.db_table)} ON {qn(org_meta.db_table)}.{qn(org_meta.pk.column)} = "
           f"{qn(key_meta.db_table)}.{qn(key_meta.get_field('organisation').column)} "
           f"WHERE {qn(key_meta.db_table)}.{qn(key_meta.get_field('prefix').column)} = %s")
    hit = _KEY_QUERY[(conn.vendor, riders)] = (sql, key_fields, org_fields, riders)
    return hit


def _key_by_prefix(prefix: str) -> ApiKey | None:
    """The key with this prefix and its organisation (as ``select_related`` would load them), or None."""
    from django.db import connections, router

    conn = connections[router.db_for_read(ApiKey)]
    sql, key_fields, org_fields, riders = _key_query(conn)
    with conn.cursor() as cur:
        cur.execute(sql, [prefix])
        row = cur.fetchone()
    if row is None:
        return None
    for i, (_name, _sql, use) in enumerate(riders):
        use(row[len(key_fields) + len(org_fields) + i])

    def values(fields, offset):
        out = []
        for i, (_field, converters, col) in enumerate(fields):
            value = row[offset + i]
            for converter in converters:
                value = converter(value, col, conn)
            out.append(value)
        return out

    key = ApiKey.from_db(conn.alias, None, values(key_fields, 0))
    org = RequestingOrganisation.from_db(conn.alias, None, values(org_fields, len(key_fields)))
    ApiKey._meta.get_field("organisation").set_cached_value(key, org)
    return key


def authenticate_api_key(plaintext: str) -> ApiKey | None:
    """The active key matching the plaintext, or None. Every use is audited by the caller."""
    parts = (plaintext or "").strip().split("_", 2)
    if len(parts) != 3 or parts[0] != settings.BITRADE_API_KEY_PREFIX:
        return None
    key = _key_by_prefix(parts[1])
    if key is None or key.revoked_at is not None or not key.organisation.active:
        return None
    if not hmac.compare_digest(key.key_hash, _hash_secret(parts[2])):
        return None
    memo.keep(("organisation", key.organisation_id), key.organisation)
    now = timezone.now()
    # Every use is audited by the caller; the "last used" column only needs minute precision, so it is
    # written at most once a minute (a write per request would queue behind SQLite's single writer).
    if key.last_used_at is None or now - key.last_used_at > LAST_USED_PRECISION:
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
    return key


@transaction.atomic
def load_police_structure(actor: Actor = SYSTEM_ACTOR) -> dict:
    """Create or update regions, police areas, counties and all municipalities from package data."""
    geo = load_geodata()
    regions = {}
    for r in geo.regions.values():
        regions[r.code], _ = PoliceRegion.objects.update_or_create(code=r.code, defaults={"name": r.name})
    areas = {}
    for pa in geo.police_areas.values():
        areas[pa.code], _ = PoliceArea.objects.update_or_create(
            code=pa.code, defaults={"name": pa.name, "region": regions[pa.region_code]})
    lpas = {}
    for lpa in geo.local_police_areas.values():
        lpas[lpa.code], _ = LocalPoliceArea.objects.update_or_create(
            code=lpa.code, defaults={"name": lpa.name, "police_area": areas[lpa.police_area_code]})
    counties = {}
    for m in geo.municipalities.values():
        if m.county_code not in counties:
            counties[m.county_code], _ = County.objects.update_or_create(
                code=m.county_code,
                defaults={"name": m.county_name, "region": regions[geo.police_areas[m.police_area_code].region_code]})
    for m in geo.municipalities.values():
        Municipality.objects.update_or_create(code=m.kommunkod, defaults={
            "name": m.name, "county": counties[m.county_code], "police_area": areas[m.police_area_code],
            "local_police_area": lpas.get(m.local_police_area_code) if m.local_police_area_code else None,
            "population": m.population,
        })
    counts = {"regions": len(regions), "police_areas": len(areas), "local_police_areas": len(lpas),
              "counties": len(counties), "municipalities": len(geo.municipalities)}
    audit.record(actor, "organisation.loaded", object_type="organisation.structure", new=counts)
    return counts
