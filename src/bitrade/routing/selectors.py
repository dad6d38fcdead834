"""Loading the routing configuration of a region as plain data for the pure engine."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Prefetch

from bitrade.common import memo
from bitrade.organisation.models import Municipality, OfficeHours, Unit, UnitMembership
from bitrade.organisation.rules import WeeklyHours

from . import rules
from .models import AckThreshold, ConfigurationVersion, DecisionCompetence, RoutingRule


def unit_infos(region_id: int, on=None) -> list[rules.UnitInfo]:
    units = (
        Unit.objects.filter(region_id=region_id, active=True)
        .select_related("region", "police_area")
        .prefetch_related(Prefetch("office_hours", queryset=OfficeHours.objects.order_by("weekday", "opens")))
    )
    members: dict[int, set[str]] = {}
    for unit_id, function in UnitMembership.objects.filter(
            unit__region_id=region_id, function__in=rules.DECIDER_FUNCTIONS).values_list("unit_id", "function"):
        members.setdefault(unit_id, set()).add(function)
    out = []
    for u in units:
        hours = tuple(
            WeeklyHours(h.weekday, h.opens, h.closes)
            for h in u.office_hours.all()
            if on is None or ((h.valid_from is None or h.valid_from <= on) and (h.valid_to is None or h.valid_to >= on))
        )
        out.append(rules.UnitInfo(
            id=u.pk, name=u.name, kind=u.kind, region=u.region.code,
            police_area=u.police_area.code if u.police_area_id else None, always_open=u.always_open, hours=hours,
            decider_functions=rules.unit_deciders(u.kind, members.get(u.pk, ())),
        ))
    return out


def _catalogue_defaults() -> list[rules.Competence]:
    from bitrade.legal.catalogue import default_catalogue

    laws: dict[str, tuple[str, ...]] = {}
    for entry in default_catalogue():
        laws.setdefault(entry.law, entry.competent_deciders)
    return [rules.Competence(law=law, functions=frozenset(f), id=-1) for law, f in laws.items()]


def competences() -> list[rules.Competence]:
    """Every competence row, plus the catalogue's competent deciders as the national default of a law that
    has no national row (loaded once per configuration version)."""
    version = configuration_version()
    hit = _competences.get(version)
    if hit is None:
        stored = [rules.Competence(law=c.law, functions=frozenset(c.functions or []),
                                   region=c.region.code if c.region_id else None, lowest_level=c.lowest_level,
                                   valid_from=c.valid_from, valid_to=c.valid_to, id=c.pk)
                  for c in DecisionCompetence.objects.select_related("region")]
        national = {c.law for c in stored if c.region is None}
        hit = stored + [c for c in _catalogue_defaults() if c.law not in national]
        _competences.clear()
        _competences[version] = hit
    return hit


_competences: dict[str, list[rules.Competence]] = {}


def competence(law: str, region_code: str, on) -> rules.Competence | None:
    """The competence in force for a law in a region on a day."""
    return rules.competence_for(competences(), law, region_code, on)


def _to_rule(r: RoutingRule) -> rules.RoutingRule:
    return rules.RoutingRule(
        id=r.pk, name=r.name, region=r.region.code if r.region_id else None, order=r.order,
        laws=frozenset(r.laws or []), points=frozenset(r.points or []),
        priorities=frozenset(r.priorities or []),
        police_area=r.police_area.code if r.police_area_id else None, max_age=r.max_age,
        target_kind=r.target_kind or None, target_unit_id=r.target_unit_id, scope=r.scope,
        requires_open=r.requires_open, valid_from=r.valid_from, valid_to=r.valid_to,
    )


def routing_rules(region_id: int) -> list[rules.RoutingRule]:
    """The region's own rules, then the national rules stored as data, then the built-in defaults."""
    stored = RoutingRule.objects.filter(active=True).select_related("region", "police_area").filter(
        region_id__in=[region_id]) | RoutingRule.objects.filter(active=True, region__isnull=True)
    result = [_to_rule(r) for r in stored.select_related("region", "police_area")]
    if not any(r.region is None for r in result):
        result.extend(rules.default_rules())
    return result


def ack_thresholds() -> dict[int | None, timedelta]:
    thresholds = dict(rules.DEFAULT_ACK_THRESHOLDS)
    for t in AckThreshold.objects.all():
        thresholds[t.priority] = timedelta(minutes=t.minutes)
    return thresholds


def area_names(region_id: int) -> dict[str, str]:
    from bitrade.organisation.models import PoliceArea

    return dict(PoliceArea.objects.filter(region_id=region_id).values_list("code", "name"))


# --------------------------------------------------------------------------- per-process configuration

_loaded: dict[tuple, tuple] = {}
VERSION_MEMO = "routing.configuration_version"


def configuration_version() -> str:
    """The routing configuration's version: read once per request (``bitrade.common.memo``; a change in the
    same request forgets it, ``routing.signals.bump``), on every call outside a request."""
    return memo.remembered(VERSION_MEMO, _read_version)


_VERSION_SQL: dict[str, str] = {}


def version_sql(conn) -> str:
    """``SELECT version FROM routing_configurationversion WHERE id = 1`` for this connection's database."""
    sql = _VERSION_SQL.get(conn.vendor)
    if sql is None:
        meta, qn = ConfigurationVersion._meta, conn.ops.quote_name
        sql = _VERSION_SQL[conn.vendor] = (f"SELECT {qn(meta.get_field('version').column)} "  # noqa: S608
                                           f"FROM {qn(meta.db_table)} WHERE {qn(meta.pk.column)} = 1")
    return sql


def _read_version() -> str:
    """One plain statement (no ORM query built per request: on SQLite most of the read's cost)."""
    from django.db import connections, router

    conn = connections[router.db_for_read(ConfigurationVersion)]
    with conn.cursor() as cur:
        cur.execute(version_sql(conn))
        row = cur.fetchone()
    return (row[0] if row else None) or "0"


def version_read_with_api_key(value) -> None:
    """The version as read in an API request's key authentication (``organisation.services.read_with_api_key``):
    kept for the rest of that request, so the request reads it once, in the key's statement."""
    memo.keep(VERSION_MEMO, value or "0")


_rows: dict[tuple, object] = {}
_rows_version: list[str | None] = [None]


def _by_version(key: tuple, load):
    """A row read once per configuration version and process (``load()``; None is not kept), handed out as
    a copy so that no caller shares a model instance with another thread."""
    import copy

    version = configuration_version()
    full = (*key, version)
    hit = _rows.get(full)
    if hit is None:
        if _rows_version[0] != version or len(_rows) > 4096:  # rows of older versions go
            _rows.clear()
            _rows_version[0] = version
        hit = load()
        if hit is None:
            return None
        _rows[full] = hit
    return copy.copy(hit)


def municipality(code: str) -> Municipality | None:
    """The municipality with this code, its police area and region loaded; kept per configuration version
    (a change of a municipality, police area, region or unit bumps it, ``routing.signals``)."""
    return _by_version(("municipality", code), lambda: Municipality.objects.select_related(
        "police_area", "police_area__region").filter(code=code).first())


def unit(pk: int) -> Unit | None:
    """An active or inactive unit by id, kept per configuration version (every unit change bumps it)."""
    return _by_version(("unit", pk), lambda: Unit.objects.filter(pk=pk).first())


def region_configuration(region_id: int, on) -> tuple[list, list, dict, dict]:
    """(rules, units, area names, acknowledgement thresholds) of a region on a date.

    Loaded from the database once per configuration version: any change of units, office hours,
    police areas, rules or thresholds bumps the version (``routing.signals``), and the next call in
    every process loads afresh. One small query per call otherwise."""
    version = configuration_version()
    key = (region_id, on, version)
    hit = _loaded.get(key)
    if hit is None:
        if any(k[2] != version for k in _loaded):
            _loaded.clear()
        if len(_loaded) > 256:
            _loaded.clear()
        hit = (routing_rules(region_id), unit_infos(region_id, on), area_names(region_id), ack_thresholds())
        _loaded[key] = hit
    return hit


# --------------------------------------------------------------------------- the administrator's view


def rule_listing() -> dict:
    """Every stored rule (by region, national last) and the built-in defaults, each with a sentence
    saying what it does, and whether the built-in rules are in force (they are unless a national rule
    is stored)."""
    from bitrade.organisation.models import PoliceArea

    area_names_by_code = dict(PoliceArea.objects.values_list("code", "name"))
    stored = list(RoutingRule.objects.select_related("region", "police_area", "target_unit")
                  .order_by("region__name", "order", "id"))
    rows = []
    for r in stored:
        rows.append({"rule": r, "region_name": r.region.name if r.region_id else "Hela landet",
                     "text": rules.describe_rule(_to_rule(r), area_name=area_names_by_code.get(
                         r.police_area.code if r.police_area_id else ""),
                         unit_name=r.target_unit.name if r.target_unit_id else None)})
    national_stored = any(r.region_id is None and r.active for r in stored)
    builtins = [{"rule": r, "text": rules.describe_rule(r)} for r in rules.default_rules()]
    return {"stored": rows, "builtins": builtins, "builtins_in_force": not national_stored}


def stored_rule(pk: int) -> RoutingRule | None:
    return RoutingRule.objects.filter(pk=pk).first()


def preview(*, municipality, law: str, point_key: str | None, priority: int | None, age: int | None, at,
            draft: rules.RoutingRule | None = None, replacing: int | None = None) -> dict:
    """Which unit would get a case like this at ``at``, and why — with the rules in force, or with a
    draft rule in place of the stored rule ``replacing`` (or added). Reads only."""
    area = municipality.police_area
    region = area.region
    in_force = [r for r in routing_rules(region.pk) if r.id != replacing]
    if draft is not None and draft.region is None:
        # a stored national rule replaces the built-in defaults (see routing_rules)
        in_force = [r for r in in_force if r.id >= 0] + [draft]
    elif draft is not None and draft.region == region.code:
        in_force.append(draft)
    facts = rules.RoutingFacts(region=region.code, police_area=area.code, law=law, point_key=point_key or None,
                               requested_priority=priority, person_age=age, at=at)
    decision = rules.route(facts, in_force, unit_infos(region.pk, at.date()), area_names=area_names(region.pk))
    return {"decision": decision, "region": region, "police_area": area, "municipality": municipality}
