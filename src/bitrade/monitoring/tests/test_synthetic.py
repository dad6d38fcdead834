"""Synthetic contact bans: the volume model, consistent rows cut at the end of the period, routed alarms, and
their part in the national generator (same seed → same rows, --replace removes them and nothing real)."""

from __future__ import annotations

import hashlib
from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pytest

from bitrade.monitoring import rules, synthetic

AREAS = [(1, 100_000), (2, 300_000), (3, 50_000)]


def test_plan_meets_the_volume_model_per_year():
    years = range(2020, 2026)
    planned = synthetic.plan(years, AREAS, scale=0.5, seed=3)
    for year in years:
        of_year = [p for p in planned if p.received.astimezone(synthetic.STOCKHOLM).year == year]
        n = synthetic.requests(year, 0.5)
        assert len(of_year) == n
        outcomes = Counter(p.outcome for p in of_year)
        assert outcomes["granted"] == synthetic.granted(n)
        assert outcomes["withdrawn"] == synthetic.withdrawn(n)
    assert synthetic.requests(2025) == synthetic.REQUESTS_PER_YEAR
    assert synthetic.requests(2024) / synthetic.requests(2025) == pytest.approx(1 / 1.1, abs=0.01)
    # spread over the areas by population
    by_area = Counter(p.area for p in planned)
    assert by_area[2] > by_area[1] > by_area[3]


def test_each_planned_case_is_consistent_and_its_alarms_follow_the_rates():
    planned = synthetic.plan(range(2022, 2025), AREAS, scale=1.0, seed=1)
    assert planned == sorted(planned, key=lambda p: p.received)
    active_days = 0.0
    types = Counter()
    for p in planned:
        times = sorted(p.steps.values())
        assert list(p.steps.values()) == times  # steps in order
        assert times[0] >= p.received
        if p.outcome != "granted":
            assert not p.alarms and p.eo_start is None
            continue
        decided, mount = p.steps["decide_granted"], p.steps["mount"]
        assert mount > decided and p.eo_end <= p.eo_start + timedelta(days=365)
        end = p.steps.get("end_decision") or p.steps["ban_expired"]
        assert all(p.steps["activate"] <= at < end for at, _ in p.alarms)
        active_days += (end - p.steps["activate"]).total_seconds() / 86400
        types.update(t for _, t in p.alarms)
    within_two_days = [p for p in planned if p.outcome == "granted"
                       and (p.steps["mount"] - p.steps["decide_granted"]).days < 2]
    granted = [p for p in planned if p.outcome == "granted"]
    assert len(within_two_days) / len(granted) == pytest.approx(synthetic.MOUNT_WITHIN_TWO_DAYS, abs=0.05)
    for alarm_type, per_day in synthetic.ALARMS_PER_DAY.items():
        expected = per_day * active_days
        assert types[alarm_type] == pytest.approx(expected, rel=0.25 if expected > 100 else 0.6), alarm_type


def test_bops_working_hours():
    monday_night = datetime(2024, 3, 4, 22, 0, tzinfo=UTC)  # 23:00 in Stockholm
    assert synthetic._bops_opens(monday_night) == datetime(2024, 3, 5, 8, 0, tzinfo=synthetic.STOCKHOLM)
    saturday = datetime(2024, 3, 9, 10, 0, tzinfo=UTC)
    assert synthetic._bops_opens(saturday) == datetime(2024, 3, 11, 8, 0, tzinfo=synthetic.STOCKHOLM)
    tuesday_noon = datetime(2024, 3, 5, 11, 0, tzinfo=UTC)
    assert synthetic._bops_opens(tuesday_noon) == tuesday_noon


def _digest() -> str:
    from bitrade.cases.models import Case
    from bitrade.monitoring.models import Alarm

    h = hashlib.sha256()
    for row in Case.objects.filter(reference_number__startswith="SYN-").order_by("reference_number").values_list(
            "reference_number", "kind", "public_id", "state", "received_at", "closed_at", "unit_id"):
        h.update(repr(row).encode())
    for row in Alarm.objects.filter(supplier_alarm_id__startswith="SYN-").order_by("raised_at", "alarm_type") \
            .values_list("alarm_type", "raised_at", "state", "unit__name", "closed_at"):
        h.update(repr(row).encode())
    return h.hexdigest()


@pytest.mark.django_db
def test_generate_writes_every_kind_deterministically_and_replace_removes_only_generated(em_demo, capsys):
    from django.core.management import call_command

    from bitrade.audit.models import AuditEvent
    from bitrade.cases.models import Case, CaseEvent
    from bitrade.followup import synthetic as national
    from bitrade.monitoring.models import Alarm, BanArea, ContactBan, Device
    from bitrade.returns import synthetic as returns
    from bitrade.returns.models import ReturnCase

    real = {k: Case.objects.filter(kind=k).count() for k in ("assistance", "return", "contact_ban")}
    real_bans, real_events = ContactBan.objects.count(), CaseEvent.objects.count()
    assert real["contact_ban"] > 0  # the demo's own cases must survive --replace
    before = AuditEvent.objects.count()
    result = national.generate(years=2, scale=0.02, seed=4, until=date(2025, 1, 1))
    assert AuditEvent.objects.count() == before + 1  # one event for the whole run
    assert list(result.by_kind) == ["assistance", "return", "contact_ban"]

    # counts per kind and year match the calibration
    for year in (2023, 2024):
        bans = Case.objects.filter(kind="contact_ban", reference_number__contains=f"-{year}-",
                                   reference_number__startswith=synthetic.PREFIX)
        assert bans.count() == synthetic.requests(year, 0.02)
        returned = Case.objects.filter(kind="return", reference_number__startswith=returns.PREFIX,
                                       received_at__year=year)
        assert returned.count() == round(returns.table_row(year)["incoming"] * 0.02)
    assert result.by_kind["contact_ban"]["cases"] == synthetic.requests(2023, 0.02) + synthetic.requests(2024, 0.02)

    generated = ContactBan.objects.filter(case__reference_number__startswith=synthetic.PREFIX).select_related("case")
    for ban in generated:
        case = ban.case
        assert case.unit.kind == "bops" and case.unit.region_id == ban.police_area.region_id
        assert ban.rlc.kind == "rlc" and ban.rlc.region_id == case.region_id
        assert (case.state in rules.CLOSED_STATES) == (case.closed_at is not None)
        if case.state in (rules.ACTIVE, rules.ENDING, rules.CLOSED):
            assert ban.mount_at and ban.decided_at and ban.mount_at > ban.decided_at
            assert Device.objects.filter(contact_ban=ban).count() == 1
        assert not ban.protected_identity and ban.protected_name.split()[-1] in synthetic.SURNAMES
    alarms = Alarm.objects.filter(contact_ban__in=generated)
    assert alarms.exists()
    for alarm in alarms.select_related("unit", "contact_ban"):
        assert alarm.unit_id == (alarm.contact_ban.rlc_id if alarm.handled_by == "rlc" else
                                 alarm.contact_ban.case.unit_id)
        assert (alarm.category == rules.IMMEDIATE) == (alarm.handled_by == "rlc")
        assert alarm.raised_at < datetime(2025, 1, 1, tzinfo=synthetic.STOCKHOLM)
        assert (alarm.state == rules.ALARM_CLOSED) == (alarm.closed_at is not None)
    assert ReturnCase.objects.filter(case__reference_number__startswith=returns.PREFIX).count() == \
        result.by_kind["return"]["cases"]

    first = _digest()
    with pytest.raises(ValueError, match="--replace"):
        national.generate(years=2, scale=0.02, seed=4, until=date(2025, 1, 1))
    national.generate(years=2, scale=0.02, seed=4, until=date(2025, 1, 1), replace=True)
    assert _digest() == first  # same seed, same rows of every kind
    national.generate(years=2, scale=0.02, seed=5, until=date(2025, 1, 1), replace=True)
    assert _digest() != first

    call_command("generate", "--years", "1", "--scale", "0.01", "--seed", "2", "--until", "2025-01-01",
                 "--replace", "--quiet")
    national.delete_synthetic()
    assert not Case.objects.filter(reference_number__startswith="SYN-").exists()
    assert not BanArea.objects.filter(name="Skyddspersonens bostad", description__startswith="Syntetiska").exists()
    assert not Device.objects.filter(device_id__startswith=synthetic.PREFIX).exists()
    assert not Alarm.objects.filter(supplier_alarm_id__startswith="SYN-").exists()
    assert {k: Case.objects.filter(kind=k).count() for k in real} == real  # nothing real removed
    assert ContactBan.objects.count() == real_bans and CaseEvent.objects.count() == real_events


@pytest.mark.django_db
def test_the_command_names_each_kind_in_swedish(em_demo, capsys):
    from django.core.management import call_command

    call_command("generate", "--years", "1", "--scale", "0.005", "--seed", "1", "--until", "2025-01-01")
    out = capsys.readouterr().out
    assert "handräckningsärenden" in out and "returärenden" in out and "kontaktförbudsärenden" in out
    assert f"{synthetic.requests(2024, 0.005)} kontaktförbudsärenden" in out


@pytest.mark.django_db
def test_demo_set_up_order_generated_slice_first_then_the_demo_cases(demo):
    """setup-demo loads the generated slice before the contact-ban demo: the demo's own cases still come."""
    from bitrade.followup import synthetic as national
    from bitrade.monitoring.demo import load_monitoring_demo
    from bitrade.monitoring.models import ContactBan

    result = national.load_demo_data()
    assert result is not None and result.by_kind["contact_ban"]["cases"] > 0
    load_monitoring_demo()
    own = ContactBan.objects.exclude(case__reference_number__startswith="SYN-")
    assert own.count() == len(rules.STATE_LABELS)
