"""Synthetic contact bans with electronic monitoring for the national generator (``bitrade generate``).

Every generated year gets ``requests(year)`` requests for a contact ban with electronic monitoring, spread over
the police areas by population; each request walks the regulation's steps (application, prosecutor,
investigation, decision) and a share is granted with monitoring: prepared, mounted (normally within two days
of the decision, 10 § allmänt råd), active for the ban period (at most a year), some ended early by decision
(24 §), then dismounted and closed. While the anklet is on, its alarms are a Poisson stream per type,
classified and routed by the kind's pure rules (immediate → the region's RLC at once, not immediate → the
BOPS group from its next working hour) and handled. What would happen on or after the end of the period has
not happened yet: such cases and alarms are left open in the state they had, so the consoles and NOA's
overview show realistic volumes.

The regulation (PMFS 2020:1) gives no national volumes; every number here is a named assumption, documented
in docs/contact-bans.md ("Synthetic data") and docs/synthetic-data.md. The volume model (``requests``,
``plan``) is pure and deterministic for a seed; ``write`` bulk-inserts the rows with reference numbers
``SYN-KF-<REGION>-<YEAR>-<NNNNNN>`` and no deadline rows (the worker never reminds about them) and no audit
events (the generation itself is recorded once by the national generator)."""

from __future__ import annotations

import math
import random
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from . import rules

STOCKHOLM = ZoneInfo("Europe/Stockholm")
PREFIX = "SYN-KF-"
KIND = "contact_ban"

# --------------------------------------------------------------------------- assumptions (no source gives them)

#: Requests for a contact ban with electronic monitoring registered by the BOPS groups in the whole country in
#: ``REQUESTS_BASE_YEAR``, and the yearly change before and after it.
REQUESTS_PER_YEAR = 600
REQUESTS_BASE_YEAR = 2025
REQUESTS_GROWTH = 0.10
#: How the requests end: granted with electronic monitoring, rejected or granted without monitoring by the
#: prosecutor or court, withdrawn by the protected person before a decision.
GRANTED_SHARE = 0.45
WITHDRAWN_SHARE = 0.05
#: Särskilt utvidgat kontaktförbud among the cases (the rest: utvidgat).
SPECIALLY_EXTENDED_SHARE = 0.2
#: The prosecutor decides without an investigation by the police in this share of the cases.
DIRECT_DECISION_SHARE = 0.2
#: Medians (log-normal, σ 0.5) of the steps, in days: application drafted, sent to the prosecutor,
#: investigation opened, investigation reported, decision.
STEP_MEDIAN_DAYS = {"draft_application": 1.0, "send_to_prosecutor": 2.0, "open_investigation": 1.0,
                    "report": 8.0, "decide": 3.0}
#: Mounting after the decision: within two days in this share (10 § allmänt råd), else a median of 4 days.
MOUNT_WITHIN_TWO_DAYS = 0.85
#: The ban period with monitoring, in days, and its weights (at most one year).
DURATION_DAYS = {90: 0.30, 180: 0.35, 365: 0.35}
#: Monitoring ended early by a decision (24 §), at a uniform point of the period.
EARLY_END_SHARE = 0.12
#: Alarms per day of active monitoring, per type (a Poisson stream each).
ALARMS_PER_DAY = {"zone_entry": 0.04, "tamper": 0.005, "strap": 0.005, "signal_loss": 0.06, "battery_low": 0.12,
                  "device_offline": 0.04}
#: Handling: an immediate alarm is taken by the RLC after a median of 3 minutes and closed after 25; a
#: queued one is taken when BOPS opens and closed after a median of 2 hours.
IMMEDIATE_ACK_MINUTES, IMMEDIATE_CLOSE_MINUTES = 3.0, 25.0
BOPS_ACK_MINUTES, BOPS_CLOSE_MINUTES = 20.0, 120.0
#: The BOPS groups' working hours where the generator creates a group: weekdays 08–16.
BOPS_OPENS, BOPS_CLOSES = time(8), time(16)
#: The centre (longitude, latitude) of each region, where the generated ban areas are drawn.
REGION_CENTRES = {"nord": (20.26, 63.83), "mitt": (17.64, 59.86), "stockholm": (18.07, 59.33),
                  "ost": (15.62, 58.41), "vast": (11.97, 57.71), "syd": (13.00, 55.60), "bergslagen": (15.21, 59.27)}
#: Invented names (never a real person): first names and obviously invented surnames.
FIRST_NAMES = ("Alva", "Elsa", "Maja", "Noah", "Liam", "Hugo", "Sara", "Omar", "Leila", "Nils")
SURNAMES = ("Exempelsson", "Testberg", "Påhittsdotter", "Fiktivsson", "Provström", "Låtsasgren")


def requests(year: int, scale: float = 1.0) -> int:
    """The number of requests received in ``year`` (times ``scale``), rounded."""
    return round(REQUESTS_PER_YEAR * (1 + REQUESTS_GROWTH) ** (year - REQUESTS_BASE_YEAR) * scale)


def granted(n: int) -> int:
    return round(n * GRANTED_SHARE)


def withdrawn(n: int) -> int:
    return round(n * WITHDRAWN_SHARE)


@dataclass
class Planned:
    """One request and what happened to it (times are aware; None: never)."""

    year: int
    area: int
    received: datetime
    outcome: str  # granted | rejected | withdrawn
    specially_extended: bool
    steps: dict[str, datetime] = field(default_factory=dict)  # action → when
    eo_start: datetime | None = None
    eo_end: datetime | None = None
    alarms: list[tuple[datetime, str]] = field(default_factory=list)


def _lognormal_days(rnd: random.Random, median: float) -> timedelta:
    return timedelta(days=median * math.exp(rnd.gauss(0, 0.5)))


def _working_moment(rnd: random.Random, at: datetime) -> datetime:
    """A time of day in working hours on ``at``'s day (Stockholm time)."""
    local = at.astimezone(STOCKHOLM)
    minute = rnd.randint(8 * 60, 16 * 60 - 1)
    return datetime.combine(local.date(), time(minute // 60, minute % 60), STOCKHOLM)


def plan(years: range, areas: list[tuple[int, int]], *, scale: float = 1.0, seed: int = 1) -> list[Planned]:
    """The requests of ``years`` in ``areas`` (``(area id, population)``), each with its steps, its ban period
    and its alarms, however far in the future (``write`` cuts them at the end of the period)."""
    out: list[Planned] = []
    ids, weights = [a for a, _ in areas], [max(p, 1) for _, p in areas]
    for year in years:
        rnd = random.Random(f"{seed}:{year}:{scale}:kf")
        n = requests(year, scale)
        outcomes = ["granted"] * granted(n) + ["withdrawn"] * withdrawn(n)
        outcomes += ["rejected"] * (n - len(outcomes))
        rnd.shuffle(outcomes)
        days = (date(year + 1, 1, 1) - date(year, 1, 1)).days
        for outcome in outcomes:
            day = date(year, 1, 1) + timedelta(days=rnd.randrange(days))
            received = _working_moment(rnd, datetime.combine(day, time(12), STOCKHOLM))
            p = Planned(year, rnd.choices(ids, weights)[0], received, outcome,
                        rnd.random() < SPECIALLY_EXTENDED_SHARE)
            _walk(rnd, p)
            out.append(p)
    out.sort(key=lambda p: p.received)
    return out


def _walk(rnd: random.Random, p: Planned) -> None:
    at = p.received
    for action in ("draft_application", "send_to_prosecutor"):
        at += _lognormal_days(rnd, STEP_MEDIAN_DAYS[action])
        p.steps[action] = at
    if p.outcome == "withdrawn":
        p.steps["withdraw"] = at + _lognormal_days(rnd, STEP_MEDIAN_DAYS["decide"])
        return
    if rnd.random() >= DIRECT_DECISION_SHARE:
        for action in ("open_investigation", "report"):
            at += _lognormal_days(rnd, STEP_MEDIAN_DAYS[action])
            p.steps[action] = at
    at += _lognormal_days(rnd, STEP_MEDIAN_DAYS["decide"])
    if p.outcome == "rejected":
        p.steps["decide_rejected"] = at
        return
    p.steps["decide_granted"] = at
    p.eo_start = at + timedelta(days=1)
    mount = at + (timedelta(hours=rnd.uniform(4, 47)) if rnd.random() < MOUNT_WITHIN_TWO_DAYS
                  else timedelta(days=2) + _lognormal_days(rnd, 2.0))
    p.steps["mount"] = mount
    p.steps["activate"] = mount + timedelta(minutes=rnd.randint(20, 90))
    days = rnd.choices(list(DURATION_DAYS), list(DURATION_DAYS.values()))[0]
    p.eo_end = p.eo_start + timedelta(days=days)
    active_from = p.steps["activate"]
    if rnd.random() < EARLY_END_SHARE:
        end = active_from + (p.eo_end - active_from) * rnd.uniform(0.05, 0.95)
        p.steps["end_decision"] = end
    else:
        end = max(p.eo_end, active_from + timedelta(hours=1))
        p.steps["ban_expired"] = end
    p.steps["close"] = end + _lognormal_days(rnd, 1.5)
    span = (end - active_from).total_seconds()
    for alarm_type, per_day in ALARMS_PER_DAY.items():
        t = 0.0
        while True:
            t += rnd.expovariate(per_day / 86400)
            if t >= span:
                break
            p.alarms.append((active_from + timedelta(seconds=t), alarm_type))
    p.alarms.sort()


# --------------------------------------------------------------------------- writing


def _state(p: Planned, until: datetime) -> tuple[str, list[tuple[str, datetime]]]:
    """The case's state at ``until`` and the steps taken before it, in order."""
    taken = sorted(((a, t) for a, t in p.steps.items() if t < until), key=lambda x: x[1])
    state = rules.REQUEST_RECEIVED
    for action, _ in taken:
        state = rules.TRANSITIONS[action].get(state, state)
    return state, taken


def _facts(p: Planned, taken: dict[str, datetime], names: tuple[str, str]) -> dict:
    iso = lambda t: t.isoformat()  # noqa: E731
    f: dict = {"request_received_at": iso(p.received), "application_form": rules.APPLICATION_FORM,
               "other_measures_assessed_at": iso(p.received + timedelta(hours=2)),
               "other_measures_bops_consulted": True}
    if "draft_application" in taken:
        f |= {"area_count": 1, "area_text": "Syntetiska data: skyddspersonens bostad och gatorna runt kvarteret."}
    if "send_to_prosecutor" in taken:
        f["sent_to_prosecutor_at"] = iso(taken["send_to_prosecutor"])
    if "open_investigation" in taken:
        f |= {"investigation_opened_at": iso(taken["open_investigation"]),
              "equipment_prepared_at": iso(taken["open_investigation"] + timedelta(hours=4))}
    if "report" in taken:
        r = taken["report"]
        f |= {"oral_presented_at": iso(r - timedelta(hours=3)), "written_sent_at": iso(r),
              "proposed_mount_at": iso(r + timedelta(days=4)), "proposed_mount_place": rules.POLICE_PREMISES}
    if "decide_rejected" in taken:
        f |= {"decided_by_type": "prosecutor", "decision": "rejected", "decided_at": iso(taken["decide_rejected"])}
    if "decide_granted" in taken:
        d = taken["decide_granted"]
        f |= {"decided_by_type": "prosecutor", "decision": "granted", "decided_at": iso(d),
              "eo_start_at": iso(p.eo_start), "eo_end_at": iso(p.eo_end), "served_at": iso(d + timedelta(hours=2)),
              "contact_person_protected": names[0], "contact_person_prohibited": names[1],
              "contact_persons_appointed_at": iso(d + timedelta(hours=1)),
              "pm438_3_sent_at": iso(d + timedelta(hours=2)), "pm438_3_contact_persons": list(names)}
    if "mount" in taken:
        m = taken["mount"]
        team = [{"name": names[0], "suitable": True}, {"name": names[1], "suitable": True}]
        f |= {"talk_prohibited_at": iso(m - timedelta(hours=2)), "talk_protected_at": iso(m - timedelta(hours=3)),
              "equipment_model": "EM-100", "equipment_tested_at": iso(m - timedelta(hours=1)),
              "reserve_available": True, "mount_at": iso(m), "mount_place": rules.POLICE_PREMISES,
              "mounted_by": team}
    if "activate" in taken:
        f |= {"itsys_activated_at": iso(taken["activate"]), "lc_activated_at": iso(taken["activate"])}
        if "ban_expired" in taken:  # the summons to dismounting, two weeks before the end (25 § allmänt råd)
            f["summons_sent_at"] = iso(max(taken["activate"], p.eo_end - timedelta(days=15)))
    if "end_decision" in taken:
        f |= {"end_decision_at": iso(taken["end_decision"]),
              "rlc_notified_of_end_at": iso(taken["end_decision"] + timedelta(minutes=20))}
    if "close" in taken:
        c = taken["close"]
        team = [{"name": names[0], "suitable": True}, {"name": names[1], "suitable": True}]
        f |= {"closing_talk_protected_at": iso(c - timedelta(hours=4)),
              "closing_talk_prohibited_at": iso(c - timedelta(hours=3)), "needs_assessed_at": iso(c - timedelta(hours=2)),
              "itsys_deactivated_at": iso(c - timedelta(hours=3)), "lc_deactivated_at": iso(c - timedelta(hours=3)),
              "dismount_at": iso(c - timedelta(hours=3)), "dismounted_by": team,
              "uninstalled_at": iso(c - timedelta(hours=2))}
    return f


def _square(centre: tuple[float, float], rnd: random.Random) -> dict:
    lon = centre[0] + rnd.uniform(-0.3, 0.3)
    lat = centre[1] + rnd.uniform(-0.2, 0.2)
    d = 0.01
    ring = [[round(lon, 5), round(lat, 5)], [round(lon + d, 5), round(lat, 5)], [round(lon + d, 5), round(lat + d, 5)],
            [round(lon, 5), round(lat + d, 5)], [round(lon, 5), round(lat, 5)]]
    return {"type": "Polygon", "coordinates": [ring]}


def _bops_opens(at: datetime) -> datetime:
    """``at`` when a generated BOPS group is at work (weekdays 08–16, Stockholm time), else its next opening."""
    local = at.astimezone(STOCKHOLM)
    day = local.date()
    if local.weekday() < 5 and BOPS_OPENS <= local.time() < BOPS_CLOSES:
        return at
    if local.weekday() < 5 and local.time() < BOPS_OPENS:
        return datetime.combine(day, BOPS_OPENS, STOCKHOLM)
    day += timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return datetime.combine(day, BOPS_OPENS, STOCKHOLM)


def _places() -> tuple[list[tuple[int, int]], dict[int, tuple]]:
    """The police areas with their population, and per area (region, BOPS group, RLC); a region without an RLC
    is left out, a region without a BOPS group gets one (weekdays 08–16)."""
    from django.db.models import Sum

    from bitrade.organisation.demo import _hours, _unit
    from bitrade.organisation.models import PoliceArea, Unit, UnitKind

    rlc: dict = {}
    for unit in Unit.objects.filter(kind=UnitKind.RLC, active=True).order_by("name", "pk"):  # as rlc_for
        rlc.setdefault(unit.region_id, unit)
    bops_units = list(Unit.objects.filter(kind=UnitKind.BOPS, active=True).order_by("name", "pk"))  # as bops_for
    out, where = [], {}
    for area in (PoliceArea.objects.select_related("region").annotate(pop=Sum("municipalities__population"))
                 .order_by("code")):
        if area.region_id not in rlc:
            continue
        bops = (next((u for u in bops_units if u.police_area_id == area.pk), None)
                or next((u for u in bops_units if u.region_id == area.region_id and u.police_area_id is None), None)
                or next((u for u in bops_units if u.region_id == area.region_id), None))
        if bops is None:
            short = area.region.name.removeprefix("Region ")
            bops = _unit(f"BOPS-gruppen {short}", UnitKind.BOPS, area.region, email=f"bops.{area.region.code}@polisen.example")
            _hours(bops, [(d, BOPS_OPENS, BOPS_CLOSES) for d in range(5)])
            bops_units.append(bops)
        out.append((area.pk, area.pop or 0))
        where[area.pk] = (area.region, bops, rlc[area.region_id])
    return out, where


def _system():
    from .models import MonitoringSystem

    system, _ = MonitoringSystem.objects.get_or_create(
        key_prefix="syntetisk", defaults={"name": "Syntetiska data", "key_hash": "!", "secret": "", "active": False})
    return system


def write(run) -> dict[str, int]:
    """The contact bans of a national generation (``bitrade generate``), cut at ``run.until``."""
    from django.db import transaction

    from bitrade.cases.models import Case, CaseEvent

    from .models import Alarm, AlarmTypeRule, BanArea, ContactBan, Device

    areas, where = _places()
    if not areas:
        return {"cases": 0}
    first, until = run.start, run.until
    years = range(first.astimezone(STOCKHOLM).year, (until - timedelta(microseconds=1)).astimezone(STOCKHOLM).year + 1)
    planned = [p for p in plan(years, areas, scale=run.scale, seed=run.seed) if first <= p.received < until]
    table = [r.as_rule() for r in AlarmTypeRule.objects.all()] or list(rules.DEFAULT_TABLE)
    system = _system()
    rnd = random.Random(f"{run.seed}:{run.scale}:kf-rows")
    counters: dict[tuple[str, int], int] = {}
    cases, bans, areas_rows, events, devices, alarms_of = [], [], [], [], [], []
    for p in planned:
        region, bops, rlc = where[p.area]
        key = (region.code, p.year)
        counters[key] = counters.get(key, 0) + 1
        ref = f"{PREFIX}{region.code.upper()}-{p.year}-{counters[key]:06d}"
        state, taken_list = _state(p, until)
        taken = dict(taken_list)
        closed_at = taken.get("close") or taken.get("decide_rejected") or taken.get("withdraw")
        names = (f"{rnd.choice(FIRST_NAMES)} {rnd.choice(SURNAMES)}", f"{rnd.choice(FIRST_NAMES)} {rnd.choice(SURNAMES)}")
        cases.append(dict(public_id=uuid.UUID(int=rnd.getrandbits(128), version=4), kind=KIND, reference_number=ref,
                          state=state, received_at=p.received, region_id=region.pk, unit_id=bops.pk,
                          routing_rule_name="Syntetiska data", closed_at=closed_at if state in rules.CLOSED_STATES
                          else None, updated_at=max([p.received, *taken.values()])))
        facts = _facts(p, taken, (f"Kontaktperson {names[0]}", f"Kontaktperson {names[1]}"))
        bans.append(dict(ban_type="specially_extended" if p.specially_extended else "extended", police_area_id=p.area,
                         rlc_id=rlc.pk, protected_name=f"{names[0]}", protected_phone="010-000 00 00",
                         protected_address="Exempelgatan 1", prohibited_name=f"{names[1]}", facts=facts,
                         decided_at=taken.get("decide_granted") or taken.get("decide_rejected"),
                         mount_at=taken.get("mount"), eo_start_at=p.eo_start if "decide_granted" in taken else None,
                         eo_end_at=p.eo_end if "decide_granted" in taken else None))
        areas_rows.append(_square(REGION_CENTRES.get(region.code, (15.0, 60.0)), rnd) if "draft_application" in taken
                          else None)
        if run.options.get("events", True):
            events.append([(p.received, "opened", "", rules.REQUEST_RECEIVED,
                            f"Begäran om kontaktförbud är mottagen och styrd till {bops.name}.")])
            s = rules.REQUEST_RECEIVED
            for action, at in taken_list:
                to = rules.TRANSITIONS[action].get(s, s)
                events[-1].append((at, action, s, to, rules.ACTION_LABELS[action]))
                s = to
        else:
            events.append([])
        alarms = [(at, t) for at, t in p.alarms if at < until]
        alarms_of.append((alarms, bops, rlc))
        devices.append(bool("mount" in taken))
    with transaction.atomic():
        run.insert(Case, cases)
        for case, ban in zip(cases, bans, strict=True):
            ban["case_id"] = case["id"]
        run.insert(ContactBan, bans)
        run.insert(BanArea, [dict(contact_ban_id=ban["id"], name="Skyddspersonens bostad", polygon=poly,
                                  description="Syntetiska data: bostaden och gatorna runt kvarteret.")
                             for ban, poly in zip(bans, areas_rows, strict=True) if poly])
        run.insert(CaseEvent, [dict(case_id=case["id"], at=at, action=action, actor_label="Biträde",
                                    actor_function="", from_state=frm, to_state=to, text=text, public=False)
                               for case, evs in zip(cases, events, strict=True) for at, action, frm, to, text in evs])
        device_rows = [dict(system_id=system.pk, device_id=f"{case['reference_number']}-1", contact_ban_id=ban["id"],
                            last_sequence=len(alarms_of[i][0]))
                       for i, (case, ban, has) in enumerate(zip(cases, bans, devices, strict=True)) if has]
        run.insert(Device, device_rows)
        device_of = {row["contact_ban_id"]: row["id"] for row in device_rows}
        alarm_rows = _alarm_rows(rnd, bans, alarms_of, device_of, system.pk, table, until)
        run.insert(Alarm, alarm_rows)
    return {"cases": len(cases), "active": sum(1 for c in cases if c["state"] == rules.ACTIVE),
            "alarms": len(alarm_rows), "devices": len(device_rows)}


def _alarm_rows(rnd, bans, alarms_of, device_of, system_id, table, until) -> list[dict]:
    rows = []
    for ban, (alarms, bops, rlc) in zip(bans, alarms_of, strict=True):
        for seq, (raised, alarm_type) in enumerate(alarms, 1):
            c = rules.classify(alarm_type, raised.astimezone(STOCKHOLM), table)
            r = rules.route(c, raised, rlc=str(rlc.pk), bops=str(bops.pk), bops_opens=_bops_opens)
            immediate = r.handled_by == "rlc"
            ack = r.handle_from + timedelta(minutes=(IMMEDIATE_ACK_MINUTES if immediate else BOPS_ACK_MINUTES)
                                            * math.exp(rnd.gauss(0, 0.6)))
            closed = ack + timedelta(minutes=(IMMEDIATE_CLOSE_MINUTES if immediate else BOPS_CLOSE_MINUTES)
                                     * math.exp(rnd.gauss(0, 0.6)))
            if closed <= until:
                state = rules.ALARM_CLOSED
            elif ack <= until:
                state = rules.RLC_HANDLING if immediate else rules.BOPS_HANDLING
            else:
                state = rules.RAISED if immediate else rules.BOPS_QUEUED
            rows.append(dict(
                system_id=system_id, supplier_alarm_id=f"SYN-{ban['case_id']}-{seq}", device_id=device_of[ban["id"]],
                sequence=seq, late=False, alarm_type=alarm_type, raised_at=raised,
                received_at=raised + timedelta(seconds=rnd.randint(1, 20)), contact_ban_id=ban["id"],
                category=r.category, procedure=r.procedure, citation=r.citation, handled_by=r.handled_by,
                unit_id=rlc.pk if immediate else bops.pk, handle_from=r.handle_from, state=state,
                acknowledged_at=ack if ack <= until else None,
                measures="Syntetiska data: åtgärder enligt rutinen." if state == rules.ALARM_CLOSED else "",
                outcome="Syntetiska data: larmet är hanterat." if state == rules.ALARM_CLOSED else "",
                closed_at=closed if state == rules.ALARM_CLOSED else None, payload={"synthetic": True}))
    return rows


def delete_generated() -> int:
    """Remove what hangs on the generated contact bans (the kind's deleter for ``--replace``): the alarms and
    what was recorded of them, the devices, areas, exceptions and the bans."""
    from bitrade.cases.synthetic import delete_rows

    from .models import Alarm, AlarmInformed, BanArea, ContactBan, Device, ExceptionDecision

    bans = f"SELECT id FROM {ContactBan._meta.db_table} WHERE case_id IN ({{cases}})"
    alarms = f"SELECT id FROM {Alarm._meta.db_table} WHERE contact_ban_id IN ({bans})"
    delete_rows([
        ("alarm_id", AlarmInformed, alarms),
        ("contact_ban_id", Alarm, bans),
        ("contact_ban_id", Device, bans),
        ("contact_ban_id", BanArea, bans),
        ("contact_ban_id", ExceptionDecision, bans),
        ("case_id", ContactBan, "{cases}"),
    ], KIND)
    return 0
