"""Every change of a contact-ban case: one transaction, its timeline event, audit event and outbox message.

The case's facts live in ``ContactBan.facts`` (the shape of ``schemas.CaseFactsIn``); a step records
facts and, when it moves the case, asks the pure rules (``rules.guard``) first: a failed binding rule
refuses unless a 26 § exception covers it, a failed general advice needs a recorded reason."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from bitrade.audit import services as audit
from bitrade.cases import services as cases
from bitrade.cases.models import Case
from bitrade.common.actor import API_CLIENT, Actor
from bitrade.organisation.models import Person, PoliceArea, Unit, UnitKind

from . import rules
from .models import (
    Alarm,
    AlarmInformed,
    AlarmTypeRule,
    ApprovedEquipment,
    BanArea,
    ContactBan,
    Device,
    ExceptionDecision,
    MonitoringSystem,
)
from .schemas import AlarmIn, CaseFactsIn

KIND = "contact_ban"


class MonitoringError(cases.CaseError):
    """A refused step of a contact-ban case (Swedish message, the failed checks, the citation)."""

    def __init__(self, message, citation: str | None = None, status: int = 409, field: str = ""):
        super().__init__(message, citation, status)
        self.field = field or self.field


# --------------------------------------------------------------------------- facts


def approved_models() -> tuple[str, ...]:
    return tuple(ApprovedEquipment.objects.filter(active=True).values_list("model", flat=True))


def facts_of(ban: ContactBan) -> rules.CaseFacts:
    data = CaseFactsIn.model_validate({k: v for k, v in ban.facts.items() if k != "state"})
    facts = data.to_facts(approved_models())
    exceptions = tuple(e.as_rule() for e in ban.exceptions.all())
    areas = list(ban.areas.all())
    from dataclasses import replace

    return replace(facts, exceptions=exceptions, area_count=len(areas),
                   area_text="\n".join(a.description for a in areas))


def _merge(ban: ContactBan, updates: dict) -> None:
    merged = {**ban.facts, **{k: v for k, v in updates.items()}}
    # validated as a whole (a wrong value is refused with the field named), stored as JSON
    ban.facts = CaseFactsIn.model_validate(merged).model_dump(mode="json", exclude_defaults=True)


def _sync_columns(ban: ContactBan) -> None:
    f = CaseFactsIn.model_validate(ban.facts)
    ban.decided_at, ban.mount_at, ban.eo_start_at, ban.eo_end_at = f.decided_at, f.mount_at, f.eo_start_at, f.eo_end_at


def _ban(case: Case) -> ContactBan:
    return ContactBan.objects.select_for_update().get(case_id=case.pk)


def _refuse(checks, message: str | None = None) -> MonitoringError:
    failed = [c for c in checks if c.blocking]
    err = MonitoringError(message or " ".join(c.message for c in failed),
                          next((c.citation for c in failed if c.citation), None))
    err.checks = tuple(failed)
    return err


# --------------------------------------------------------------------------- opening


def rlc_for(area: PoliceArea) -> Unit:
    unit = Unit.objects.filter(kind=UnitKind.RLC, region_id=area.region_id, active=True).first()
    if unit is None:
        raise MonitoringError(f"Det finns ingen regionledningscentral för {area.region}.", status=422)
    return unit


def bops_for(area: PoliceArea) -> Unit:
    units = Unit.objects.filter(kind=UnitKind.BOPS, region_id=area.region_id, active=True)
    unit = units.filter(police_area=area).first() or units.filter(police_area=None).first() or units.first()
    if unit is None:
        raise MonitoringError(f"Det finns ingen BOPS-grupp för {area}.", status=422)
    return unit


def open_contact_ban(actor: Actor, *, police_area_code: str, protected_name: str, prohibited_name: str,
                     protected_phone: str = "", protected_address: str = "", protected_identity: bool = False,
                     ban_type: str = "extended", residence_area_code: str = "", now: datetime | None = None) -> Case:
    """BOPS opens a case when a protected person asks (6 §): the responsible police area is where the ban
    applies (2 §); its BOPS group handles the case, its region's RLC takes the immediate alarms."""
    if not actor.is_police:
        raise PermissionDenied("Endast polisen kan öppna ett ärende om kontaktförbud.")
    now = now or timezone.now()
    area = PoliceArea.objects.select_related("region").filter(code=police_area_code).first()
    if area is None:
        raise MonitoringError("Polisområdet finns inte.", status=422)
    residence = None
    if residence_area_code:
        residence = PoliceArea.objects.filter(code=residence_area_code).first()
        if residence is None:
            raise MonitoringError("Förbudspersonens polisområde finns inte.", status=422)
    with transaction.atomic():
        unit = bops_for(area)
        case = cases.open_case(actor, KIND, region=area.region, unit=unit, state=rules.REQUEST_RECEIVED, now=now,
                               text=f"Begäran om kontaktförbud är mottagen och styrd till {unit.name}.")
        ban = ContactBan.objects.create(
            case=case, ban_type=ban_type, police_area=area, rlc=rlc_for(area), protected_name=protected_name,
            protected_phone=protected_phone, protected_address=protected_address,
            protected_identity=protected_identity, prohibited_name=prohibited_name, residence_area=residence,
            facts={"request_received_at": now.isoformat(),
                   "residence_other_area": bool(residence and residence.pk != area.pk)},
        )
        audit.record(actor, "contact_ban.opened", obj=case)
        from . import deadlines

        deadlines.reschedule(ban, now)
    return case


# --------------------------------------------------------------------------- recording facts and steps


def record(actor: Actor, case: Case, label: str, updates: dict, *, now: datetime | None = None,
           action: str = "em_record") -> Case:
    """Record facts of the case (no change of state)."""
    cases.require_handling_unit(actor, case)
    now = now or timezone.now()
    with transaction.atomic():
        ban = _ban(case)
        old = dict(ban.facts)
        _merge(ban, updates)
        _sync_columns(ban)
        ban.save()
        cases.event(case, actor, action, label, data={"fields": sorted(updates)}, now=now)
        audit.record(actor, f"contact_ban.{action}", obj=case, old={k: old.get(k) for k in updates},
                     new={k: ban.facts.get(k) for k in updates})
        from . import deadlines

        deadlines.reschedule(ban, now)
    return case


def step(actor: Actor, case: Case, action: str, updates: dict | None = None, *, reason: str = "",
         now: datetime | None = None) -> Case:
    """Record facts and move the case along ``action`` if the rules allow it."""
    cases.require_handling_unit(actor, case)
    now = now or timezone.now()
    updates = updates or {}
    try:
        with transaction.atomic():
            ban = _ban(case)
            case = cases.lock(case)
            _merge(ban, updates)
            _sync_columns(ban)
            ban.save()
            ban.refresh_from_db()
            facts = facts_of(ban)
            result = rules.guard(action, case.state, facts, now)
            if not result.allowed:
                raise _refuse(result.checks)
            if result.warnings and len(reason.strip()) < 5:
                raise _refuse([rules.Check(c.code, False, True, c.message + " Ange skälet.", c.citation)
                               for c in result.warnings])
            old = case.state
            case.state = rules.target(action, case.state)
            if action == "decide_granted" or action == "decide_rejected":
                case.decision = "granted" if action == "decide_granted" else "refused"
                case.decided_at = facts.decided_at
            case.save(update_fields=["state", "decision", "decided_at", "updated_at"])
            excepted = [c.code for c in result.checks if c.excepted]
            cases.event(case, actor, action, rules.ACTION_LABELS.get(action, action), from_state=old,
                        to_state=case.state, now=now, data={
                            "warnings": [c.code for c in result.warnings], "reason": reason,
                            "excepted": excepted},
                        citation=next((c.citation for c in result.checks if c.excepted), ""))
            audit.record(actor, f"contact_ban.{action}", obj=case, old={"state": old}, new={"state": case.state})
            if action == "send_pm438_3" or updates.get("pm438_3_sent_at"):
                _send_pm438_3(ban)
            if action == "end_decision":
                cases.notify_unit(case, ban.rlc, "contact_ban.end_decision",
                                  "Beslut om att avsluta elektronisk övervakning")
            from . import deadlines

            deadlines.reschedule(ban, now)
    except MonitoringError as exc:
        audit.record(actor, f"contact_ban.{action}", obj=case, result="refused", reason=exc.message)
        raise
    return case


def _send_pm438_3(ban: ContactBan) -> None:
    cases.notify_unit(ban.case, ban.rlc, "contact_ban.pm438_3", "Blankett PM 438.3: kontaktförbud med elektronisk "
                      "övervakning")


def send_pm438_3(actor: Actor, case: Case, *, now: datetime | None = None) -> Case:
    """PM 438.3 to the RLC (15 §), listing the two contact persons."""
    now = now or timezone.now()
    ban = ContactBan.objects.get(case_id=case.pk)
    names = [str(p) for p in (ban.contact_person_protected, ban.contact_person_prohibited) if p]
    if len(names) < 2:
        raise MonitoringError("Utse båda kontaktpersonerna innan blankett PM 438.3 skickas.",
                              "15 § PMFS 2020:1", status=409)
    record(actor, case, "Blankett PM 438.3 skickad till regionledningscentralen.",
           {"pm438_3_sent_at": now.isoformat(), "pm438_3_contact_persons": names}, now=now, action="em_pm438_3")
    with transaction.atomic():
        _send_pm438_3(ban)
    return case


def appoint_contact_persons(actor: Actor, case: Case, *, protected: str, prohibited: str,
                            now: datetime | None = None) -> Case:
    """BOPS appoints the contact persons (11 §), by user name."""
    people = {u: Person.objects.filter(username=u, is_active=True).first() for u in (protected, prohibited)}
    for field, username in (("protected", protected), ("prohibited", prohibited)):
        if people[username] is None:
            raise MonitoringError(f"Personen ”{username}” finns inte i Biträde.", status=422, field=field)
    now = now or timezone.now()
    ContactBan.objects.filter(case_id=case.pk).update(contact_person_protected=people[protected],
                                                       contact_person_prohibited=people[prohibited])
    return record(actor, case, "Kontaktpersoner utsedda.", {
        "contact_person_protected": str(people[protected]), "contact_person_prohibited": str(people[prohibited]),
        "contact_persons_appointed_at": now.isoformat()}, now=now, action="em_contact_persons")


def add_area(actor: Actor, case: Case, *, name: str, polygon: dict, description: str,
             now: datetime | None = None) -> BanArea:
    """A ban area: drawn on the map and described in text, both required (8 §)."""
    cases.require_handling_unit(actor, case)
    now = now or timezone.now()
    with transaction.atomic():
        ban = _ban(case)
        area = BanArea.objects.create(contact_ban=ban, name=name, polygon=polygon, description=description)
        cases.event(case, actor, "em_area", f"Förbudsområde tillagt: {name}.", now=now)
        audit.record(actor, "contact_ban.area_added", obj=area)
    return area


def record_exception(actor: Actor, case: Case, *, check: str, section: str, decided_by: str, decided_at: datetime,
                     reasons: str, now: datetime | None = None) -> ExceptionDecision:
    """A 26 § exception: the only way past a binding rule (who, when, which § and why)."""
    cases.require_handling_unit(actor, case)
    exc = rules.Exception26(check, section, decided_by, decided_at, reasons)
    if exc.problems():
        raise MonitoringError(" ".join(exc.problems()), rules.EXCEPTION_CITATION, status=422)
    now = now or timezone.now()
    with transaction.atomic():
        ban = _ban(case)
        row = ExceptionDecision.objects.create(contact_ban=ban, check_code=check, section=section.strip(),
                                               decided_by=decided_by, decided_at=decided_at, reasons=reasons,
                                               recorded_by_id=actor.person_id)
        cases.event(case, actor, "em_exception", f"Undantag enligt 26 § från {section} §: {reasons}",
                    citation=rules.EXCEPTION_CITATION, now=now)
        audit.record(actor, "contact_ban.exception", obj=row)
    return row


def closure_checklist(case: Case):
    from bitrade.cases.rules import ChecklistItem

    ban = ContactBan.objects.get(case_id=case.pk)
    checks = rules.apply_exceptions(rules.guards.close_guards(facts_of(ban)), facts_of(ban).exceptions)
    return [ChecklistItem(c.code, c.ok or c.excepted or not c.binding, c.message, c.citation, missing=c.message)
            for c in checks]


def close(actor: Actor, case: Case, *, now: datetime | None = None) -> Case:
    case = cases.close(actor, case, now, text="Ärendet om kontaktförbud är avslutat.")
    from . import deadlines

    deadlines.reschedule(ContactBan.objects.get(case_id=case.pk), now or timezone.now())
    return case


# --------------------------------------------------------------------------- who sees the protected person


def may_see_whereabouts(actor: Actor, ban: ContactBan) -> bool:
    """BOPS handling the case, its two contact persons and the RLC while it handles an open alarm."""
    if not actor.is_police:
        return False
    if actor.unit_id == ban.case.unit_id:
        return True
    if actor.person_id and actor.person_id in (ban.contact_person_protected_id, ban.contact_person_prohibited_id):
        return True
    return (actor.unit_id == ban.rlc_id
            and ban.alarms.filter(handled_by="rlc").exclude(state=rules.ALARM_CLOSED).exists())


def protected_person(actor: Actor, ban: ContactBan) -> dict:
    """The protected person as this actor may see them; every read of whereabouts is on record."""
    if may_see_whereabouts(actor, ban):
        audit.record_read(actor, "monitoring.contactban.protected", [ban.pk], purpose="skyddsperson",
                          fingerprint=True)
        return {"name": ban.protected_name, "phone": ban.protected_phone, "address": ban.protected_address,
                "visible": True, "protected_identity": ban.protected_identity}
    name = "Skyddad identitet" if ban.protected_identity else ban.protected_name
    return {"name": name, "phone": "", "address": "", "visible": False, "protected_identity": ban.protected_identity}


# --------------------------------------------------------------------------- monitoring systems and alarms


def create_system(name: str) -> tuple[MonitoringSystem, str, str]:
    """A monitoring system with a new API key and signing secret (both shown once)."""
    prefix = secrets.token_hex(4)
    key = f"em_{prefix}_{secrets.token_urlsafe(24)}"
    secret = secrets.token_urlsafe(32)
    system = MonitoringSystem.objects.create(name=name, key_prefix=prefix, key_hash=_hash(key), secret=secret)
    return system, key, secret


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def system_for_key(key: str) -> MonitoringSystem | None:
    parts = (key or "").split("_")
    if len(parts) < 3 or parts[0] != "em":
        return None
    system = MonitoringSystem.objects.filter(key_prefix=parts[1], active=True).first()
    if system is None or not hmac.compare_digest(system.key_hash, _hash(key)):
        return None
    return system


def signature_ok(system: MonitoringSystem, body: bytes, header: str) -> bool:
    expected = "sha256=" + hmac.new(system.secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, (header or "").strip())


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def alarm_table(on=None) -> tuple[rules.AlarmRule, ...]:
    rows = tuple(r.as_rule() for r in AlarmTypeRule.objects.all())
    return rows or rules.DEFAULT_TABLE


def attach_device(actor: Actor, case: Case, *, system: MonitoringSystem, device_id: str) -> Device:
    cases.require_handling_unit(actor, case)
    ban = ContactBan.objects.get(case_id=case.pk)
    with transaction.atomic():
        device, _ = Device.objects.update_or_create(system=system, device_id=device_id,
                                                    defaults={"contact_ban": ban})
        cases.event(case, actor, "em_device", f"Enhet kopplad: {device_id} ({system.name}).")
        audit.record(actor, "contact_ban.device", obj=device)
    _CACHE.pop(("device", system.pk, device_id), None)
    return device


# --------------------------------------------------------------------------- alarm ingestion (hot path)

_CACHE: dict = {}
_CACHE_SECONDS = 5.0


def _cached(key, load):
    hit = _CACHE.get(key)
    if hit is not None and time.monotonic() - hit[0] < _CACHE_SECONDS:
        return hit[1]
    value = load()
    _CACHE[key] = (time.monotonic(), value)
    return value


def clear_caches() -> None:
    _CACHE.clear()


def _bops_opens(unit: Unit):
    from bitrade.organisation import selectors as org
    from bitrade.organisation.rules import next_opening

    def opens(at: datetime) -> datetime:
        hours = _cached(("hours", unit.pk, at.date()), lambda: org.weekly_hours(unit, timezone.localtime(at).date()))
        found = next_opening(hours, at, always_open=unit.always_open)
        return found or at

    return opens


@dataclass(frozen=True)
class _Target:
    """What routing needs of a device's case (cached for ``_CACHE_SECONDS``: a device moved to another case
    is seen within that time)."""

    device_pk: int
    ban_pk: int
    rlc_id: int
    rlc_name: str
    bops: Unit


def _target_of(device: Device) -> _Target | None:
    ban = device.contact_ban
    if ban is None:
        return None
    return _Target(device.pk, ban.pk, ban.rlc_id, ban.rlc.name, ban.case.unit)


def _targets(system: MonitoringSystem, wanted: dict[str, str]) -> dict[str, _Target | None]:
    """device id → its case's routing data, for every device of a batch: the cache, then one query for the
    devices not cached; a device not yet known is attached to the case the alarm names (if it exists)."""
    out: dict[str, _Target | None] = {}
    missing = []
    clock = time.monotonic()
    for device_id in wanted:
        hit = _CACHE.get(("device", system.pk, device_id))
        if hit is not None and clock - hit[0] < _CACHE_SECONDS:
            out[device_id] = hit[1]
        else:
            missing.append(device_id)
    if missing:
        found = {d.device_id: d for d in Device.objects.select_related("contact_ban__case__unit", "contact_ban__rlc")
                 .filter(system=system, device_id__in=missing)}
        for device_id in missing:
            device = found.get(device_id)
            if device is None and wanted[device_id]:
                ban = ContactBan.objects.filter(case__reference_number=wanted[device_id]).first()
                if ban is not None:
                    device, _ = Device.objects.get_or_create(system=system, device_id=device_id,
                                                             defaults={"contact_ban": ban})
                    device = Device.objects.select_related("contact_ban__case__unit", "contact_ban__rlc").get(
                        pk=device.pk)
            target = _target_of(device) if device is not None else None
            out[device_id] = target
            if target is not None:  # an unattached device is looked up again next time
                _CACHE[("device", system.pk, device_id)] = (clock, target)
    return out


def route_for(ban: ContactBan, alarm_type: str, at: datetime) -> rules.Route:
    classification = rules.classify(alarm_type, at, _cached(("table",), alarm_table))
    bops = ban.case.unit
    return rules.route(classification, at, rlc=ban.rlc.name, bops=bops.name, bops_opens=_bops_opens(bops))


class _Router:
    """Classification and routing over a batch: the pure rules, with the classification per (type, day) and
    BOPS's opening hours per (unit, day) computed once."""

    def __init__(self):
        self.table = _cached(("table",), alarm_table)
        self.classes: dict = {}
        self.opens: dict = {}

    def route(self, target: _Target, alarm_type: str, at: datetime) -> rules.Route:
        key = (alarm_type, at.date())
        if key not in self.classes:
            self.classes[key] = rules.classify(alarm_type, at, self.table)
        unit = target.bops
        if unit.pk not in self.opens:
            self.opens[unit.pk] = (_bops_opens(unit), [])
        return rules.route(self.classes[key], at, rlc=target.rlc_name, bops=unit.name,
                           bops_opens=lambda moment: self._opens(unit.pk, moment))

    def _opens(self, unit_pk: int, at: datetime) -> datetime:
        """BOPS's next opening; a closed stretch found once (``at`` … the opening) answers every alarm raised
        inside it (a backlog raised overnight asks the calendar once)."""
        opens, closed = self.opens[unit_pk]
        for start, end in closed:
            if start <= at < end:
                return end
        found = opens(at)
        if found > at:
            closed.append((at, found))
        return found


def _rejected(index: int | None, alarm_id: str, message: str, field: str, code: int = 422) -> dict:
    return {"alarm_id": alarm_id, "status": "rejected", "code": code, "detail": message,
            "field": field if index is None else f"alarms.{index}.{field}".rstrip(".")}


def _validated(items) -> tuple[list[tuple[int, AlarmIn]], dict[int, dict]]:
    """Each item on its own: a bad one is answered with its field and a Swedish message, the rest go on."""
    from pydantic import ValidationError

    from bitrade.common.errors import swedish_validation_errors

    valid, bad = [], {}
    for i, item in enumerate(items):
        if isinstance(item, AlarmIn):
            valid.append((i, item))
            continue
        try:
            valid.append((i, AlarmIn.model_validate(item)))
        except ValidationError as exc:
            first = swedish_validation_errors(exc.errors())[0]
            field = "" if first["field"] == "body" else first["field"]
            alarm_id = item.get("alarm_id") if isinstance(item, dict) else ""
            bad[i] = _rejected(i, alarm_id if isinstance(alarm_id, str) else "", first["message"], field)
    return valid, bad


def _seen(system: MonitoringSystem, ids: list[str]) -> set[str]:
    """The supplier ids of the batch already stored: one query (split only at the database's parameter limit)."""
    from django.db import connection

    size = max((connection.features.max_query_params or 999) - 10, 100)
    seen: set[str] = set()
    for start in range(0, len(ids), size):
        seen.update(Alarm.objects.filter(system=system, supplier_alarm_id__in=ids[start:start + size])
                    .values_list("supplier_alarm_id", flat=True))
    return seen


INGEST_ACTOR_LABEL = "Övervakningssystem {name}"
BACKLOG_CHUNK = 500  # alarms per commit of the not-immediate part of a batch (the writer lock is held this long)


_ALARM_COLUMNS = ("system_id", "supplier_alarm_id", "device_id", "sequence", "late", "alarm_type", "raised_at",
                  "received_at", "contact_ban_id", "category", "procedure", "citation", "handled_by", "unit_id",
                  "handle_from", "state", "measures", "outcome", "payload")
_TIMES = {"raised_at", "received_at", "handle_from"}


@dataclass
class _Row:
    """An alarm about to be stored (the columns of ``Alarm``; ``pk`` once stored)."""

    system_id: int
    supplier_alarm_id: str
    device_id: int
    sequence: int
    late: bool
    alarm_type: str
    raised_at: datetime
    received_at: datetime
    contact_ban_id: int
    category: str
    procedure: str
    citation: str
    handled_by: str
    unit_id: int
    handle_from: datetime
    state: str
    payload: dict
    measures: str = ""
    outcome: str = ""
    pk: int | None = None


def _insert(rows: list[_Row]) -> None:
    """The alarms in one ``executemany`` (the ORM's ``bulk_create`` spent more time preparing each value of
    each row than the database spent storing it); then the ids of the alarms that get a 20 § deadline."""
    from django.db import connection

    ops = connection.ops
    table = connection.ops.quote_name(Alarm._meta.db_table)
    sql = (f"INSERT INTO {table} ({', '.join(ops.quote_name(c) for c in _ALARM_COLUMNS)}) "
           f"VALUES ({', '.join(['%s'] * len(_ALARM_COLUMNS))})")
    values = []
    for r in rows:
        values.append(tuple(
            ops.adapt_datetimefield_value(getattr(r, c)) if c in _TIMES
            else ops.adapt_json_value(r.payload, None) if c == "payload" else getattr(r, c)
            for c in _ALARM_COLUMNS))
    with connection.cursor() as cursor:
        cursor.executemany(sql, values)
    rlc = {r.supplier_alarm_id: r for r in rows if r.handled_by == "rlc"}
    if rlc:
        for pk, alarm_id in Alarm.objects.filter(system_id=rows[0].system_id, supplier_alarm_id__in=list(rlc)
                                                 ).values_list("pk", "supplier_alarm_id"):
            rlc[alarm_id].pk = pk


def _store(system: MonitoringSystem, rows: list[_Row], actor: Actor) -> None:
    """One transaction's worth: the alarms, their 20 § deadlines (``bulk_create``), one audit event listing
    the supplier ids, and one NOTIFY per unit on PostgreSQL (heard by the consoles at commit)."""
    from django.db import connection

    from . import deadlines

    _insert(rows)
    deadlines.schedule_alarm_inform_many([r for r in rows if r.handled_by == "rlc"])
    audit.record(actor, "em.alarms_stored", obj=system, new={
        "count": len(rows), "immediate": sum(1 for r in rows if r.category == rules.IMMEDIATE),
        "alarm_ids": [r.supplier_alarm_id for r in rows]})
    if connection.vendor == "postgresql":
        units = {(r.unit_id, r.category) for r in rows}
        with connection.cursor() as cursor:
            for unit_id, category in sorted(units):
                cursor.execute("SELECT pg_notify('em_alarms', %s)", [f"{unit_id}:0:{category}"])


def ingest_batch(system: MonitoringSystem, items, *, now: datetime | None = None) -> list[dict]:
    """Store a batch of alarms set-wise, exactly once and in order per device.

    Each item is validated on its own (a bad one is rejected with its field, nothing of it stored); one query
    finds the supplier ids already stored (answered ``duplicate``); classification and routing are the pure
    rules over the batch. The immediate alarms are committed first, in their own short transaction with the
    devices' new positions, so that they reach the RLC before the rest of a backlog; the rest follow in
    commits of ``BACKLOG_CHUNK``. A race with another request storing the same id falls back to one alarm at
    a time for that part (the unique constraint decides)."""
    now = now or timezone.now()
    valid, bad = _validated(items)
    results: dict[int, dict | None] = {i: bad.get(i) for i in range(len(items))}
    seen = _seen(system, [a.alarm_id for _, a in valid])
    candidates = []
    for i, alarm in valid:
        if alarm.alarm_id in seen:
            results[i] = {"alarm_id": alarm.alarm_id, "status": "duplicate"}
        else:
            seen.add(alarm.alarm_id)  # a repeat inside the batch is a duplicate too
            candidates.append((i, alarm))
    wanted: dict[str, str] = {}
    for _, alarm in candidates:
        wanted[alarm.device_id] = wanted.get(alarm.device_id) or alarm.case
    targets = _targets(system, wanted) if wanted else {}
    placed = []
    for i, alarm in candidates:
        target = targets.get(alarm.device_id)
        if target is None:
            results[i] = _rejected(i if len(items) > 1 else None, alarm.alarm_id,
                                   "Enheten är inte kopplad till något ärende om kontaktförbud.", "device_id")
        else:
            placed.append((i, alarm, target))
    if placed:
        actor = Actor(kind=API_CLIENT, label=INGEST_ACTOR_LABEL.format(name=system.name))
        router = _Router()
        placed.sort(key=lambda p: (p[1].device_id, p[1].sequence, p[0]))  # order per device
        with transaction.atomic():  # the immediate alarms and the devices' positions
            devices = Device.objects.filter(pk__in={t.device_pk for _, _, t in placed})
            if transaction.get_connection().features.has_select_for_update:
                devices = devices.select_for_update()
            position = dict(devices.values_list("pk", "last_sequence"))
            rows: list[tuple[int, _Row]] = []
            for i, alarm, target in placed:
                late = alarm.sequence <= position[target.device_pk]
                if not late:
                    position[target.device_pk] = alarm.sequence
                route = router.route(target, alarm.type, alarm.raised_at)
                rlc = route.handled_by == "rlc"
                rows.append((i, _Row(
                    system_id=system.pk, supplier_alarm_id=alarm.alarm_id, device_id=target.device_pk,
                    sequence=alarm.sequence, late=late, alarm_type=alarm.type, raised_at=alarm.raised_at,
                    received_at=now, contact_ban_id=target.ban_pk, category=route.category,
                    procedure=route.procedure, citation=route.citation, handled_by=route.handled_by,
                    unit_id=target.rlc_id if rlc else target.bops.pk,
                    handle_from=max(route.handle_from, alarm.raised_at),
                    state=rules.RAISED if rlc else rules.BOPS_QUEUED, payload=alarm.model_dump(mode="json"))))
            first = [r for r in rows if r[1].handled_by == "rlc"]
            rest = [r for r in rows if r[1].handled_by != "rlc"]
            if not _store_or_fallback(system, first, actor, results):
                first = []
            for device_pk, sequence in position.items():
                Device.objects.filter(pk=device_pk, last_sequence__lt=sequence).update(last_sequence=sequence)
        for start in range(0, len(rest), BACKLOG_CHUNK):
            _store_or_fallback(system, rest[start:start + BACKLOG_CHUNK], actor, results)
        for i, row in first + rest:
            if results[i] is None:
                results[i] = {"alarm_id": row.supplier_alarm_id, "status": "accepted", "category": row.category,
                              "handled_by": row.handled_by, "late": row.late}
    return [results[i] for i in range(len(items))]


def _store_or_fallback(system, rows: list[tuple[int, _Row]], actor: Actor, results: dict) -> bool:
    """Store ``rows`` in one go; if another request stored one of the ids meanwhile, store them one by one
    (each in a savepoint) and answer the ones lost to the race ``duplicate``. True when stored in one go."""
    from django.db import IntegrityError

    if not rows:
        return True
    try:
        with transaction.atomic():
            _store(system, [r for _, r in rows], actor)
        return True
    except IntegrityError:
        for _, row in rows:
            row.pk = None
        with transaction.atomic():
            for i, row in rows:
                try:
                    with transaction.atomic():
                        _store(system, [row], actor)
                except IntegrityError:
                    results[i] = {"alarm_id": row.supplier_alarm_id, "status": "duplicate"}
        return False


def ingest(system: MonitoringSystem, alarm, *, now: datetime | None = None) -> dict:
    """One alarm: the batch path with one item; a rejected alarm is raised (the API answers 4xx with the
    field)."""
    result = ingest_batch(system, [alarm], now=now)[0]
    if result["status"] == "rejected":
        raise MonitoringError(result["detail"], status=result["code"], field=result["field"])
    return result


def record_rejected(system: MonitoringSystem, results: list[dict]) -> None:
    """Alarms refused for bad input are on record too (one event per request, the ids and the fields)."""
    refused = [r for r in results if r["status"] == "rejected"]
    if refused:
        actor = Actor(kind=API_CLIENT, label=INGEST_ACTOR_LABEL.format(name=system.name))
        audit.record(actor, "em.alarms_received", obj=system, result="refused",
                     reason="; ".join(f"{r['alarm_id']}: {r['field']}" for r in refused)[:2000],
                     new={"rejected": len(refused), "total": len(results)})


# --------------------------------------------------------------------------- handling an alarm


def _alarm_for(actor: Actor, alarm_pk: int) -> Alarm:
    alarm = Alarm.objects.select_for_update(of=("self",)).select_related("contact_ban__case").filter(pk=alarm_pk).first()
    if alarm is None or not actor.is_police or actor.unit_id != alarm.unit_id:
        raise PermissionDenied("Larmet hanteras av en annan enhet.")
    return alarm


def _alarm_step(actor: Actor, alarm_pk: int, action: str, now: datetime | None, **fields) -> Alarm:
    now = now or timezone.now()
    with transaction.atomic():
        alarm = _alarm_for(actor, alarm_pk)
        target = rules.alarm_target(action, alarm.state)
        if target is None:
            raise MonitoringError(f"Larmet har status ”{rules.ALARM_STATE_LABELS.get(alarm.state)}”; det går "
                                  "inte nu.", status=409)
        old = alarm.state
        alarm.state = target
        for k, v in fields.items():
            setattr(alarm, k, v)
        alarm.save()
        if alarm.contact_ban_id:
            cases.event(alarm.contact_ban.case, actor, f"em_alarm_{action}",
                        f"Larm {alarm.supplier_alarm_id} ({rules.ALARM_TYPES.get(alarm.alarm_type, alarm.alarm_type)}): "
                        f"{rules.ALARM_STATE_LABELS[target].lower()}.", citation=alarm.citation, public=False, now=now)
        audit.record(actor, f"em.alarm.{action}", obj=alarm, old={"state": old}, new={"state": target})
    return alarm


def acknowledge_alarm(actor: Actor, alarm_pk: int, *, now: datetime | None = None) -> Alarm:
    now = now or timezone.now()
    return _alarm_step(actor, alarm_pk, "acknowledge", now, acknowledged_at=now, acknowledged_by_id=actor.person_id)


def close_alarm(actor: Actor, alarm_pk: int, *, measures: str, outcome: str, now: datetime | None = None) -> Alarm:
    if len(measures.strip()) < 3:
        raise MonitoringError("Ange vilka åtgärder som vidtogs.", "19 § PMFS 2020:1", status=422, field="measures")
    now = now or timezone.now()
    return _alarm_step(actor, alarm_pk, "close", now, measures=measures, outcome=outcome, closed_at=now)


def reclassify_alarm(actor: Actor, alarm_pk: int, *, now: datetime | None = None) -> Alarm:
    """BOPS re-classifies a queued alarm as needing immediate intervention: it goes to the RLC now."""
    now = now or timezone.now()
    from django.db import connection

    with transaction.atomic():
        alarm = _alarm_for(actor, alarm_pk)
        ban = alarm.contact_ban
        alarm = _alarm_step(actor, alarm_pk, "reclassify_immediate", now, category=rules.IMMEDIATE,
                            handled_by="rlc", unit_id=ban.rlc_id, handle_from=now, reclassified_at=now,
                            citation="4 §, 19 § och 20 § PMFS 2020:1")
        from . import deadlines

        deadlines.schedule_alarm_inform(alarm)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_notify('em_alarms', %s)", [f"{ban.rlc_id}:{alarm.pk}:immediate"])
    return alarm


def inform_contact_person(actor: Actor, alarm_pk: int, *, contact_person: str, now: datetime | None = None):
    """The RLC records that a contact person on PM 438.3 was informed of the alarm (20 §)."""
    now = now or timezone.now()
    with transaction.atomic():
        alarm = _alarm_for(actor, alarm_pk)
        listed = alarm.contact_ban.facts.get("pm438_3_contact_persons", []) if alarm.contact_ban else []
        if contact_person not in listed:
            raise MonitoringError("Personen står inte som kontaktperson på blankett PM 438.3.", "20 § PMFS 2020:1",
                                  status=422, field="contact_person")
        row, created = AlarmInformed.objects.get_or_create(
            alarm=alarm, contact_person=contact_person,
            defaults={"informed_at": now, "informed_by_id": actor.person_id})
        if created:
            audit.record(actor, "em.alarm.informed", obj=alarm, new={"contact_person": contact_person})
    return row


def attach_device_by_name(actor: Actor, case: Case, *, system: str, device_id: str) -> Device:
    found = MonitoringSystem.objects.filter(name=system, active=True).first()
    if found is None:
        raise MonitoringError("Övervakningssystemet finns inte.", status=422, field="system")
    return attach_device(actor, case, system=found, device_id=device_id)
