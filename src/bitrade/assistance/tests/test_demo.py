"""The demo's handräckning cases: every police persona's inbox has work, and set-up is idempotent."""

from __future__ import annotations

import pytest

from bitrade.assistance.demo import load_demo_cases
from bitrade.cases.models import Case

pytestmark = pytest.mark.django_db


def test_demo_cases_cover_several_states_and_load_once(demo):
    first = load_demo_cases()
    again = load_demo_cases()
    assert first == again and len(set(first)) == 5
    states = {c.reference_number: c.state for c in Case.objects.filter(reference_number__in=first)}
    assert sorted(states.values()) == sorted(["received", "completion_requested", "granted", "in_execution",
                                              "received"])
    assert Case.objects.filter(reference_number__in=first, region__code="stockholm").exists()
