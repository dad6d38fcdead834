"""NOA (22 §): a unit kind of its own, with read-only access to the national overview and nothing else."""

from __future__ import annotations

import pytest

from bitrade.monitoring import rules
from bitrade.monitoring.models import ContactBan
from bitrade.organisation.models import Unit, UnitKind

pytestmark = pytest.mark.django_db


def test_noa_reads_the_national_overview_without_personal_data(login_client, em_demo):
    assert Unit.objects.filter(kind=UnitKind.NOA).exists()
    noa = login_client("noa")
    response = noa.get("/larmkonsol/oversikt/")
    assert response.status_code == 200
    page = response.content.decode()
    active = ContactBan.objects.select_related("case").get(case__state=rules.ACTIVE)
    assert active.case.reference_number in page
    assert active.protected_name not in page and active.prohibited_name not in page
    assert noa.get("/larmkonsol/").status_code == 403  # the alarm console is the RLC's and BOPS's
    assert noa.get(f"/arenden/{active.case.public_id}/").status_code in (403, 404)


def test_other_police_units_do_not_see_the_national_overview(login_client, em_demo):
    assert login_client("sb.malmo").get("/larmkonsol/oversikt/").status_code == 403
