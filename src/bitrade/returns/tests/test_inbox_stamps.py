"""The inbox ETag of return cases (``cases.stamps``): the return case's own fields are shown in the row,
so changing them changes the handling unit's and the region's border police's ETag."""

from __future__ import annotations

import pytest

from bitrade.cases import services as case_services
from bitrade.cases.models import Case
from bitrade.returns.models import ReturnCase

pytestmark = pytest.mark.django_db


def etag(actor) -> str:
    return case_services.inbox_etag(actor, "api")


def test_the_row_fields_of_a_return_case_change_the_border_polices_etag(handed_over, actor_of):
    case = handed_over if isinstance(handed_over, Case) else handed_over.case
    border = actor_of("gp.syd")
    first = etag(border)
    rc = ReturnCase.objects.get(case=case)
    for change in (lambda: ReturnCase.objects.filter(pk=rc.pk).update(person_name="Ny Person"),
                   lambda: ReturnCase.objects.filter(pk=rc.pk).update(stay_of_enforcement=True),
                   lambda: Case.objects.filter(pk=case.pk).update(state="closed")):
        before = etag(border)
        change()
        assert etag(border) != before
    assert etag(border) != first
