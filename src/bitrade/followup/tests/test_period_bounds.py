"""Follow-up periods reaching the end of the calendar (year 9999) are refused with a message, on the
page, in the table API and in the exports, never a server error."""

from __future__ import annotations

import pytest

from bitrade.followup import rules

pytestmark = pytest.mark.django_db

FAR = ["9999-12", "9999", "2024..9999", "2024-01..9999-12", "9999-12-31", "2024-01-01..9999-12-31", "0001..0002",
       "0000-01"]


@pytest.mark.parametrize("period", FAR)
def test_parse_period_refuses_years_out_of_range(period):
    with pytest.raises(rules.ParamError) as exc:
        rules.parse_period(period)
    assert exc.value.field == "period" and "år" in exc.value.message


@pytest.mark.parametrize("period", FAR[:3])
def test_page_api_and_export_answer_far_periods_with_a_4xx(demo, login_client, period):
    client = login_client("analytiker")
    page = client.get("/uppfoljning/", {"period": period})
    assert page.status_code == 400 and "Urvalet kunde inte visas" in page.content.decode()
    api = client.get("/api/v1/followup/tables", {"period": period, "view": "volymer"})
    assert api.status_code == 422 and api.json()["errors"][0]["field"] == "period"
    export = client.get("/uppfoljning/export/lagrum.csv", {"period": period})
    assert export.status_code == 400
