"""Migrationsverket asks the Police for executive assistance through the handräckning intake, with
9–12 kap. utlänningslagen as legal basis: the API and the web form, the review's competence and condition
checks as the police see them, and a refusal of anyone else who chooses the basis."""

from __future__ import annotations

import base64
import uuid

import pytest

from bitrade.intake.models import AssistanceRequest
from bitrade.organisation.demo import DEMO_API_KEY, DEMO_MV_API_KEY

from .helpers import PDF, body
from .test_request_form import pdf_file
from .test_uploads import police_of_unit

pytestmark = pytest.mark.django_db

CUSTODY = "UtlL-forvar-omhandertagande"
TRANSPORT = "UtlL-forvar-transport"
CITATION = "9–12 kap. UtlL"

MV_CUSTODY = {
    "requester": {"name": "Sofia Berglund", "role": "migration_officer", "phone": "010-485 00 00"},
    "legal_basis": "9–12 kap. utlänningslagen (2005:716)",
    "legal_basis_key": CUSTODY,
    "person": {"name": "Person Exempelsson", "birth_date": "1994-05-06"},
    "location": {"address": "Exempelgatan 3", "municipality_code": "1280"},
    "measures": "Ta personen i förvar enligt Migrationsverkets beslut och föra personen till förvaret i Åstorp.",
    "police_powers_reason": "Personen har tidigare gjort våldsamt motstånd vid kontakt med myndigheten; "
                            "våld eller tvång väntas behövas.",
    "urgency": "planned",
    "attachments": [{"kind": "detention_decision", "filename": "forvarsbeslut.pdf",
                     "content_base64": base64.b64encode(PDF).decode()}],
}


def post(client, payload, key=DEMO_MV_API_KEY):
    return client.post("/api/v1/requests", payload, content_type="application/json",
                       HTTP_AUTHORIZATION=f"Bearer {key}", HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()))


def check(d: dict, code: str) -> dict:
    return next(c for c in d["checks"] if c["code"] == code)


# --------------------------------------------------------------------------- API

@pytest.mark.parametrize("key", [CUSTODY, TRANSPORT])
def test_migrationsverket_files_through_the_api_and_the_request_is_admissible(demo, client, key):
    r = post(client, body(MV_CUSTODY, legal_basis_key=key))
    assert r.status_code == 201, r.json()
    d = r.json()
    assert d["review_outcome"] == "admissible", [c for c in d["checks"] if not c["ok"]]
    assert d["case_code"] == "618"  # "annan myndighet" in PÄR's wording
    competent = check(d, "requester_competent")
    assert competent["ok"] and competent["citation"] == CITATION
    assert competent["message"] == f"Handläggare vid Migrationsverket är behörig att begära handräckning enligt {CITATION}."
    conditions = check(d, "conditions_stated")
    assert conditions["ok"] and conditions["citation"] == "prop. 2016/17:57"
    assert "våld eller tvång" in conditions["message"]
    req = AssistanceRequest.objects.get(public_id=d["id"])
    assert (req.legal_basis_key, req.law) == (key, "UtlL")
    assert req.review["competent_deciders"] == ["duty_officer", "station_commander"]
    assert req.review["legal_basis"]["citation"] == CITATION


def test_without_the_reason_the_request_asks_for_it_citing_the_proposition(demo, client):
    d = post(client, body(MV_CUSTODY, police_powers_reason="")).json()
    assert d["review_outcome"] == "needs_completion"
    [q] = [q for q in d["questions"] if q["field"] == "police_powers_reason"]
    assert "våld eller tvång" in q["question"] and "synnerliga skäl" in q["question"]
    assert q["citation"] == "prop. 2016/17:57"


def test_without_the_detention_decision_the_request_asks_for_it(demo, client):
    d = post(client, body(MV_CUSTODY, attachments=[])).json()
    assert d["review_outcome"] == "needs_completion"
    [q] = [q for q in d["questions"] if q["check_code"] == "documents_attached"]
    assert q["question"] == f"Bifoga Migrationsverkets beslut om förvar ({CITATION})."


def test_the_citation_alone_asks_which_measure(demo, client):
    d = post(client, body(MV_CUSTODY, legal_basis_key="")).json()
    assert d["review_outcome"] == "needs_completion"
    [q] = [q for q in d["questions"] if q["check_code"] == "legal_basis_valid"]
    assert "omfattar flera slag av handräckning" in q["question"]
    assert "Ta en person i förvar som Migrationsverket har beslutat" in q["question"]
    assert "Transportera en person som hålls i förvar" in q["question"]


def test_a_key_that_does_not_match_the_citation_is_asked_about(demo, client):
    d = post(client, body(MV_CUSTODY, legal_basis="47 § LPT")).json()
    assert d["review_outcome"] == "needs_completion"
    assert "stämmer inte med den valda grunden" in check(d, "legal_basis_valid")["message"]


def test_an_unknown_key_is_a_422_naming_the_field(demo, client):
    r = post(client, body(MV_CUSTODY, legal_basis_key="UtlL-okand"))
    assert r.status_code == 422
    assert "legal_basis_key" in str(r.json()) and "rättslig grund" in str(r.json())
    assert not AssistanceRequest.objects.exists()


def test_social_services_choosing_the_basis_are_refused_with_a_swedish_reason_and_the_citation(demo, client):
    d = post(client, body(MV_CUSTODY, requester__role="social_services_official"), key=DEMO_API_KEY).json()
    assert d["review_outcome"] == "inadmissible"
    competent = check(d, "requester_competent")
    assert not competent["ok"] and competent["citation"] == CITATION
    assert competent["message"] == (
        f"Begäran enligt {CITATION} får göras av handläggare vid Migrationsverket. Den som har gjort begäran "
        f"är socialsekreterare eller handläggare med delegation från socialnämnden vid socialnämnd och är inte "
        f"behörig att begära handräckning enligt {CITATION}.")
    assert d["questions"] == []


# --------------------------------------------------------------------------- web form and police review

def mv_form(**changes) -> dict:
    data = {
        "form_token": uuid.uuid4().hex, "requester.phone": "010-485 00 00", "legal_basis_key": TRANSPORT,
        "person.name": "Person Exempelsson", "person.birth_date": "1994-05-06",
        "location.address": "Förvaret, Exempelvägen 9", "location.municipality_code": "1280",
        "measures": "Transportera den förvarstagna personen från förvaret till Malmö tingsrätt och tillbaka.",
        "police_powers_reason": "Personen har hotat personal och försökt rymma; tvång väntas behövas.",
        "urgency": "planned", "attachment_1_kind": "detention_decision", "attachment_2_kind": "other",
    }
    data.update(changes)
    return data


def test_the_migration_officer_files_through_the_web_form(demo, login_client):
    client = login_client("mv.syd")
    page = client.get("/begaran/ny/").content.decode()
    assert f'value="{CUSTODY}"' in page and f'value="{TRANSPORT}"' in page
    panel = client.get("/begaran/lagrum/", {"legal_basis_key": TRANSPORT}).content.decode()
    assert "competence-warning" not in panel
    assert "Transportera en person som hålls i förvar" in panel and "vakthavande befäl" in panel
    assert "Migrationsverkets beslut om förvar" in panel and 'name="police_powers_reason"' in panel
    r = client.post("/begaran/ny/", {**mv_form(), "attachment_1": pdf_file("forvarsbeslut.pdf")})
    assert r.status_code in (200, 302), r.content.decode()[:2000]
    req = AssistanceRequest.objects.get()
    assert req.review_outcome == "admissible", req.review["checks"]
    assert (req.legal_basis_key, req.organisation.kind, req.requester_role) == (
        TRANSPORT, "migration_agency", "migration_officer")
    assert req.case.case_code == "618"


def test_the_police_review_shows_the_condition_and_the_competence_check(demo, login_client, client):
    login_client("mv.syd").post("/begaran/ny/", {**mv_form(), "attachment_1": pdf_file("forvarsbeslut.pdf")})
    req = AssistanceRequest.objects.get()
    client.logout()
    police = login_client(police_of_unit(req.case.unit_id))
    html = police.get(f"/arenden/{req.case.public_id}/").content.decode()
    assert "Handläggare vid Migrationsverket är behörig att begära handräckning enligt" in html
    assert "Polismyndighetens befogenheter att använda våld eller tvång" in html
    assert "prop. 2016/17:57" in html
    assert CITATION in html


def test_a_social_services_official_choosing_the_basis_is_warned_and_refused(demo, login_client):
    client = login_client("soc.malmo")
    warning = client.get("/begaran/lagrum/", {"legal_basis_key": CUSTODY}).content.decode()
    assert 'data-testid="competence-warning"' in warning
    assert f"inte behörig att begära handräckning enligt {CITATION}" in warning
    client.post("/begaran/ny/", {**mv_form(legal_basis_key=CUSTODY), "attachment_1": pdf_file("forvarsbeslut.pdf")})
    req = AssistanceRequest.objects.get()
    assert req.review_outcome == "inadmissible"
    competent = next(c for c in req.review["checks"] if c["code"] == "requester_competent")
    assert competent["citation"] == CITATION and "inte behörig" in competent["message"]


# --------------------------------------------------------------------------- follow-up

def test_the_follow_up_counts_migrationsverkets_requests_by_law_and_basis(demo, client):
    """The report found that neither agency records how often assistance is asked: the follow-up's counts by
    law, legal basis and case code pick the requests up like any other handräckning."""
    from django.utils import timezone

    from bitrade.followup import facts, rules
    from bitrade.followup.metrics import Context, count

    post(client, MV_CUSTODY)
    post(client, body(MV_CUSTODY, legal_basis_key=TRANSPORT))
    facts.refresh(full=True)
    now = timezone.now()
    res = count(Context(rules.parse_period(str(timezone.localtime(now).year)), {}, "month", now, {}),
                ["received"], ["law", "point", "case_code"])
    assert res[("UtlL", CUSTODY, "618")] == {"received": 1}
    assert res[("UtlL", TRANSPORT, "618")] == {"received": 1}
    assert rules.LAWS["UtlL"].startswith("UtlL – ")


def test_the_guidance_pages_show_the_grounds(demo, login_client):
    client = login_client("mv.syd")
    listing = client.get("/rattskallor/grunder/")
    assert listing.status_code == 200
    assert 'id="lag-UtlL"' in listing.content.decode()
    page = client.get(f"/rattskallor/grunder/{TRANSPORT}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Transportera en person som hålls i förvar" in html and "prop. 2016/17:57" in html
