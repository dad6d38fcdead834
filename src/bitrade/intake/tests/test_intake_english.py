"""The request form, the police's registration form and the request page in English (Swedish stays the default)."""

from __future__ import annotations

import uuid

import pytest
from django.urls import reverse

from bitrade.intake import services as intake
from bitrade.intake.schemas import RequestIn
from bitrade.intake.tests.helpers import LVU_CARE, body
from bitrade.web.tests.bilingual import assert_bilingual

pytestmark = pytest.mark.django_db


def test_the_request_form_in_english(demo, login_client):
    client = login_client("soc.malmo")
    assert_bilingual(client, reverse("intake:new"),
                     english=["New request for assistance", "Requesting party", "Phone answered around the clock",
                              "Which legal basis is the request made under?", "Known risks", "Send the request",
                              "Attachment 1", "Kind of document (attachment 1)"],
                     swedish=["Begärande part", "Telefon som nås dygnet runt", "Kända risker", "Skicka begäran",
                              "Bilaga 1", "Typ av handling (bilaga 1)", "– Välj kommun –"])


def test_the_legal_basis_panel_in_english(demo, login_client):
    client = login_client("soc.malmo")
    sv, en = assert_bilingual(client, reverse("intake:basis") + "?legal_basis_key=LVU-43-1-2",
                              english=["May be requested by", "Decided at the police by",
                                       "Read the statute and the guidance"],
                              swedish=["Får begäras av", "Beslutas hos polisen av", "Läs lagtexten och vägledningen"])
    assert "43 §" in en  # the citation is data and stays as written


def test_the_registration_form_in_english(demo, login_client):
    assert_bilingual(login_client("sb.malmo"), reverse("intake:register"),
                     english=["Register a request from an authority", "How the request came in", "Channel",
                              "The person and the place", "Register the request", "– Choose authority –"],
                     swedish=["Hur begäran kom in", "Kanal *", "Personen och platsen", "Registrera begäran</button>",
                              "– Välj myndighet –"])


def test_the_request_page_in_english(demo, actor_of, login_client):
    req = intake.submit_request(actor_of("soc.malmo"), RequestIn.model_validate(body(LVU_CARE)),
                                idempotency_key=str(uuid.uuid4())).request
    sv, en = assert_bilingual(login_client("soc.malmo"), reverse("intake:detail", args=[req.public_id]),
                              english=[f"Request {req.case.reference_number}", "Formal review", "Details",
                                       "Attachments", "Routing", "Events", "Withdraw the request", "Download"],
                              swedish=[f"Begäran {req.case.reference_number}", "Formell granskning", "Uppgifter",
                                       "Bilagor", "Händelser", "Återkalla begäran", "Ladda ned"])
    assert "beslut.pdf" in en and "Ung Exempelsson" in en  # data stays as written
