"""The requester's page comparing its own figures with the national sums for its kind of organisation:
requesters only, sums only (no person, no other organisation), small figures withheld, a bad period
explained in Swedish."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bitrade.assistance import rules
from bitrade.assistance import services as cases
from bitrade.intake import services as intake
from bitrade.intake.schemas import RequestIn
from bitrade.intake.tests.helpers import LVU_CARE, body

pytestmark = pytest.mark.django_db
T0 = datetime(2026, 6, 17, 10, 0, tzinfo=ZoneInfo("Europe/Stockholm"))
URL = "/uppfoljning/jamforelse/"


@pytest.fixture
def figures(demo, actor_of):
    gc = actor_of("gc.malmo")
    references = []
    for i in range(6):
        case = intake.submit_request(actor_of("soc.malmo"), RequestIn.model_validate(LVU_CARE),
                                     idempotency_key=str(uuid.uuid4()), now=T0 + timedelta(minutes=i)).request.case
        cases.decide(gc, case, rules.GRANT, now=T0 + timedelta(minutes=10 + i))
        references.append(case.reference_number)
    for i in range(5):
        case = intake.submit_request(actor_of("soc.stockholm"), RequestIn.model_validate(
            body(LVU_CARE, location__municipality_code="0180", person__name="Annan Stockholmsson")),
            idempotency_key=str(uuid.uuid4()), now=T0 + timedelta(minutes=i)).request.case
        references.append(case.reference_number)
    return references


def _cells(page: str, row: str) -> list[str]:
    import re

    part = page.split(f'data-row="{row}"')[1].split("</tr>")[0]
    return re.findall(r'<td class="num"[^>]*>([^<]*)</td>', part)


def test_the_requester_sees_its_figures_beside_its_kind_in_the_nation(figures, login_client):
    r = login_client("soc.malmo").get(URL + "?period=2026")
    assert r.status_code == 200
    page = r.content.decode()
    assert _cells(page, "received") == ["6", "11"]
    assert _cells(page, "granted") == ["6", "6"]  # the Stockholm cases are not decided yet
    assert _cells(page, "force_used") == ["färre än 5", "färre än 5"]
    assert "socialnämnd/socialtjänst" in page
    # Sums only: no person, no case, and no other organisation by name.
    for secret in ("Ung Exempelsson", "Annan Stockholmsson", "Socialnämnden Stockholms stad", *figures):
        assert secret not in page


def test_the_national_column_counts_only_the_same_kind(figures, login_client, actor_of):
    from bitrade.intake.tests.helpers import LPT_RETURN

    for i in range(5):  # a psychiatric clinic's requests are not social services' figures
        intake.submit_request(actor_of("overlakare.malmo"), RequestIn.model_validate(LPT_RETURN),
                              idempotency_key=str(uuid.uuid4()), now=T0 + timedelta(minutes=i))
    page = login_client("soc.malmo").get(URL + "?period=2026").content.decode()
    assert _cells(page, "received") == ["6", "11"]


@pytest.mark.parametrize("username", ["sb.malmo", "analytiker", "nte.syd"])
def test_no_one_but_a_requester_opens_it(demo, login_client, username):
    assert login_client(username).get(URL).status_code == 403


def test_a_bad_period_is_explained(demo, login_client):
    r = login_client("soc.malmo").get(URL + "?period=igår")
    assert r.status_code == 400
    page = r.content.decode()
    assert "Perioden kunde inte visas" in page and 'aria-invalid="true"' in page
    assert 'data-testid="comparison"' not in page


def test_the_requesters_menu_links_to_it(demo, login_client):
    assert f'href="{URL}"' in login_client("soc.malmo").get("/").content.decode()
