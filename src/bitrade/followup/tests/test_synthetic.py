"""The national data generator: calibration on the sources, consistent and deterministic rows, no personal
data that could be real, one audit event for the generation."""

from __future__ import annotations

import hashlib
from datetime import date

import pytest
from django.core.management import call_command

from bitrade.followup import facts, synthetic
from bitrade.followup.models import ActivityFact, CaseFact


def test_volume_model_meets_the_figures_of_the_report():
    years = synthetic.expected_by_year(range(2016, 2026))
    y2023 = years[2023]
    assert y2023["total"] == pytest.approx(32_350, rel=0.005)  # closed in 2023
    care = sum(y2023[law] for law in ("LPT", "LRV", "LVM", "LVU"))
    assert care == pytest.approx(25_000, rel=0.005)  # of which under the care laws
    assert years[2023]["LPT"] / years[2021]["LPT"] == pytest.approx(1.13, abs=0.002)  # LPT +13 % 2021-2023
    assert years[2023]["614"] / years[2016]["614"] == pytest.approx(0.62, abs=0.002)  # code 614 -38 % 2016-2023
    for row in years.values():
        assert row["LPT"] == max(row[law] for law in ("LPT", "LRV", "LVM", "LVU"))


def test_patrol_time_model_has_a_four_hour_mean_before_the_drive_back():
    import math
    import statistics

    dice = synthetic.Dice("patrol")
    mu = synthetic.PATROL_MEAN_MINUTES * math.exp(-synthetic.PATROL_SIGMA ** 2 / 2)
    draws = [dice.lognormal_median(mu, synthetic.PATROL_SIGMA) for _ in range(20000)]
    assert statistics.mean(draws) == pytest.approx(240, rel=0.03)  # about 4 hours


def _digest() -> str:
    from bitrade.cases.models import Case

    h = hashlib.sha256()
    for row in Case.objects.filter(reference_number__startswith="SYN-").order_by("reference_number").values_list(
            "reference_number", "public_id", "state", "received_at", "closed_at", "patrol_minutes", "unit_id"):
        h.update(repr(row).encode())
    return h.hexdigest()


@pytest.mark.django_db
def test_generate_a_small_slice(demo):
    from bitrade.assistance import rules as case_rules
    from bitrade.audit.models import AuditEvent
    from bitrade.cases.models import Case
    from bitrade.intake.models import AssistanceRequest

    before = AuditEvent.objects.count()
    result = synthetic.generate(years=1, scale=0.01, seed=7, until=date(2024, 1, 1))
    assert 250 < result.counts["cases"] < 400
    assert AuditEvent.objects.count() == before + 1  # one event for the generation, none per row
    assert AuditEvent.objects.latest("seq").action == "followup.generated"

    cases = list(Case.objects.filter(kind="assistance", reference_number__startswith="SYN-"))
    assert len(cases) == result.counts["cases"] == result.by_kind["assistance"]["cases"]
    for c in cases:
        assert c.acknowledged_at is None or c.acknowledged_at >= c.received_at
        if c.state == case_rules.CLOSED:
            assert c.closed_at and c.decision and c.requester_informed_at
            assert c.closed_at >= (c.outcome_at or c.decided_at)
        if c.decision:
            assert c.decided_at and c.decided_at >= c.received_at
        if c.outcome:
            assert c.outcome_at and c.state in (case_rules.EXECUTED, case_rules.NOT_EXECUTED, case_rules.CLOSED)
        if c.outcome == case_rules.OUTCOME_EXECUTED:
            assert c.assigned_at and c.decided_at <= c.assigned_at <= c.outcome_at
        if c.state in (case_rules.GRANTED, case_rules.ASSIGNED, case_rules.IN_EXECUTION):
            assert c.decision == case_rules.GRANTED and not c.closed_at
    requests = AssistanceRequest.objects.filter(case__reference_number__startswith="SYN-")
    assert not requests.exclude(person_identity_number="").exists()
    assert all(r.person_name.split()[-1] in synthetic.FAKE_SURNAMES for r in requests)
    assert not requests.filter(person_birth_date__isnull=True).exists()
    assert {r.law for r in requests} >= {"LPT", "LVU", "LVM", "LRV", ""}

    # The facts written by the generator are the ones a rebuild computes from the rows.
    written = {f["case_id"]: f for f in CaseFact.objects.values()}
    activities = sorted(ActivityFact.objects.values_list("kind", "source_id", "age", "seconds", "relay"))
    facts.refresh(full=True)
    assert {f["case_id"]: f for f in CaseFact.objects.values()} == written
    assert sorted(ActivityFact.objects.values_list("kind", "source_id", "age", "seconds", "relay")) == activities

    first = _digest()
    with pytest.raises(ValueError, match="--replace"):
        synthetic.generate(years=1, scale=0.01, seed=7, until=date(2024, 1, 1))
    synthetic.generate(years=1, scale=0.01, seed=7, until=date(2024, 1, 1), replace=True)
    assert _digest() == first  # deterministic
    synthetic.generate(years=1, scale=0.01, seed=8, until=date(2024, 1, 1), replace=True)
    assert _digest() != first


@pytest.mark.django_db
def test_generate_command_and_demo_slice(demo, capsys):
    from django.utils import timezone

    call_command("generate", "--years", "1", "--scale", "0.003", "--seed", "3", "--until", "2025-01-01", "--quiet")
    assert synthetic.synthetic_exists()
    assert synthetic.load_demo_data() is None  # does nothing when generated data exists
    synthetic.delete_synthetic()
    assert not synthetic.synthetic_exists() and not CaseFact.objects.filter(case__reference_number__startswith="SYN-")
    result = synthetic.generate(years=1, scale=0.002, seed=1, until=timezone.now())
    assert result.counts["cases"] > 0
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="datum"):
        call_command("generate", "--until", "igår", "--quiet")
