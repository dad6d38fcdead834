"""What a return case's inbox row shows, read from the row's values: the person, the category and priority
group, "inaktivt" while an impediment holds (by today's date), and when the case lapses."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from bitrade.cases.models import Case
from bitrade.returns import rules
from bitrade.returns.models import ReturnCase

pytestmark = pytest.mark.django_db


def _row(client, case) -> dict:
    r = client.get("/api/v1/cases?limit=200")
    assert r.status_code == 200, r.content[:300]
    return next(row for row in r.json() if row["id"] == str(case.public_id))


def test_the_row_of_a_return_case(handed_over, login_client):
    case = handed_over if isinstance(handed_over, Case) else handed_over.case
    rc = ReturnCase.objects.get(case=case)
    border = login_client("gp.syd")
    row = _row(border, case)
    label = f"Kategori {rc.police_category} · {rules.PRIORITY_LABELS.get(rc.priority_group, '')}"
    assert row["person_name"] == rc.person_name and row["kind"] == "return"
    assert row["priority_label"] == label
    ReturnCase.objects.filter(pk=rc.pk).update(lapses_on=date(2031, 5, 17), stay_of_enforcement=True)
    row = _row(border, case)
    assert row["priority_label"] == f"{label} · inaktivt" and row["citation"] == "Preskriberas 2031-05-17"
    ReturnCase.objects.filter(pk=rc.pk).update(stay_of_enforcement=False, lapses_on=None,
                                               temporary_permit_until=timezone.localdate() - timedelta(days=1))
    row = _row(border, case)  # a permit that ran out yesterday no longer makes the case inactive
    assert row["priority_label"] == label and row["citation"] == ""
    ReturnCase.objects.filter(pk=rc.pk).update(temporary_permit_until=timezone.localdate())
    assert _row(border, case)["priority_label"] == f"{label} · inaktivt"
