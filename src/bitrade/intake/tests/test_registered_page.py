"""The police page for a request that came by phone, fax or e-mail: police only, the API's schema and
service, errors beside their fields with a summary that links to them, and the case page on success."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from bitrade.intake.models import AssistanceRequest
from bitrade.intake.tests.helpers import PDF
from bitrade.organisation.models import RequestingOrganisation

pytestmark = pytest.mark.django_db
URL = "/begaran/registrera/"


def _form(**changes) -> dict:
    org = RequestingOrganisation.objects.get(name="Socialnämnden Malmö stad")
    data = {
        "form_token": "t-1", "channel": "phone", "organisation_id": str(org.pk),
        "requester.name": "Lina Persson", "requester.role": "social_services_official",
        "requester.phone": "040-34 10 00", "legal_basis_key": "LVU-43-1-2",
        "police_powers_reason": "Den unge har hotat personal och rymt två gånger; motstånd väntas.",
        "person.name": "Ung Exempelsson", "person.birth_date": "2000-03-04",
        "location.address": "Exempelvägen 2", "location.municipality_code": "1280",
        "measures": "Verkställa beslut om vård genom att hämta den unge till HVB-hemmet.", "urgency": "planned",
        "attachment_1_kind": "care_decision",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def _post(client, **changes):
    data = _form(**changes)
    data["attachment_1"] = SimpleUploadedFile("beslut.pdf", PDF, content_type="application/pdf")
    return client.post(URL, data)


def test_a_requester_may_not_use_the_page(demo, login_client):
    client = login_client("soc.malmo")
    assert client.get(URL).status_code == 403
    assert _post(client).status_code == 403
    assert AssistanceRequest.objects.count() == 0


def test_the_police_start_page_links_to_the_form(demo, login_client):
    client = login_client("sb.malmo")
    start = client.get("/").content.decode()
    assert f'href="{URL}"' in start
    page = client.get(URL).content.decode()
    assert 'name="channel" value="phone"' in page and "Socialnämnden Malmö stad" in page
    # Kriminalvården carries out transports; it is not offered as a requesting authority.
    assert "Kriminalvården" not in page.split('name="organisation_id"')[1].split("</select>")[0]


def test_a_phoned_request_goes_to_the_case_page_with_the_confirmation_deadline(demo, login_client):
    client = login_client("rlc.syd")  # the RLC sees every case of its region, wherever it was routed
    r = _post(client)
    assert r.status_code == 302, r.content.decode()[:2000]
    req = AssistanceRequest.objects.get()
    assert r["Location"] == f"/arenden/{req.case.public_id}/"
    assert req.channel == "phone" and req.organisation.name == "Socialnämnden Malmö stad"
    assert req.requester_name == "Lina Persson" and req.attachments.count() == 1
    assert req.oral_confirmation_due_at is not None
    assert req.case.events.filter(action="registered_by_police").exists()
    page = client.get(r["Location"]).content.decode()
    assert f"{req.case.reference_number}" in page
    assert "Den skriftliga bekräftelsen ska komma in senast" in page
    assert 'data-testid="oral-confirmation"' in page


def test_the_handling_unit_sees_the_deadline_in_its_inbox(demo, login_client):
    _post(login_client("sb.malmo"))
    req = AssistanceRequest.objects.get()
    from bitrade.organisation.models import Person

    member = Person.objects.filter(unit_memberships__unit=req.case.unit).first()
    inbox = login_client(member.username).get("/arenden/inkorg/").content.decode()
    assert req.case.reference_number in inbox
    assert "skriftlig bekräftelse senast" in inbox


def test_a_faxed_request_needs_no_confirmation(demo, login_client):
    client = login_client("rlc.syd")
    r = _post(client, channel="fax")
    assert r.status_code == 302
    req = AssistanceRequest.objects.get()
    assert req.channel == "fax" and req.oral_confirmation_due_at is None
    assert "bekräftelsen ska komma in" not in client.get(r["Location"]).content.decode()


def _errors(page: str) -> dict[str, str]:
    """Every field marked invalid, with the text of the element that describes it."""
    out = {}
    for m in re.finditer(r'id="(f-[^"]+)"[^>]*aria-invalid="true" aria-describedby="([^"]+)"', page):
        described = re.search(rf'id="{m.group(2)}">([^<]+)<', page)
        assert described, f"{m.group(2)} describes nothing"
        out[m.group(1)] = described.group(1)
    return out


def test_an_empty_form_names_every_missing_field_in_swedish(demo, login_client):
    r = login_client("sb.malmo").post(URL, {"form_token": "t-2"})
    assert r.status_code == 422
    page = r.content.decode()
    errors = _errors(page)
    for field_id in ("f-channel", "f-organisation-id", "f-requester-name", "f-requester-role", "f-legal-basis-key",
                     "f-urgency"):
        assert field_id in errors, field_id
    assert errors["f-channel"].startswith("Ange hur begäran kom in")
    assert errors["f-organisation-id"] == "Välj den begärande myndigheten."
    assert errors["f-requester-name"] == "Ange kontaktpersonens namn."
    assert errors["f-legal-basis-key"] == "Välj lagrum."  # one message per field, the most specific
    summary = page.split('data-testid="error-summary"')[1].split("</div>")[0]
    links = re.findall(r'href="#([^"]+)"', summary)
    assert links and set(links) <= set(errors)  # every link in the summary leads to a marked field
    assert f'id="{links[0]}"' in page
    assert AssistanceRequest.objects.count() == 0


def test_a_bad_identity_number_is_shown_at_its_field_and_the_input_is_kept(demo, login_client):
    r = _post(login_client("sb.malmo"), **{"person.identity_number": "19900101-0018"})
    assert r.status_code == 422
    page = r.content.decode()
    assert "Ogiltigt personnummer" in _errors(page)["f-person-identity-number"]
    assert 'value="Lina Persson"' in page and 'value="phone" checked' in page
    assert AssistanceRequest.objects.count() == 0


def test_neither_number_nor_birth_date_is_shown_at_the_identity_number(demo, login_client):
    r = _post(login_client("sb.malmo"), **{"person.birth_date": None})
    assert r.status_code == 422
    assert "födelsedatum" in _errors(r.content.decode())["f-person-identity-number"]


def test_an_unknown_authority_is_refused_at_its_field(demo, login_client):
    r = _post(login_client("sb.malmo"), organisation_id="999999")
    assert r.status_code == 422
    assert _errors(r.content.decode())["f-organisation-id"] == "Okänd begärande myndighet."


def test_sending_the_same_form_twice_registers_one_request(demo, login_client):
    client = login_client("sb.malmo")
    first, second = _post(client), _post(client)
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert AssistanceRequest.objects.count() == 1


def test_a_case_routed_to_a_unit_one_does_not_see_gives_a_receipt_instead(demo, login_client):
    from bitrade.organisation.models import PoliceRegion, Unit
    from bitrade.routing.models import RoutingRule

    group = Unit.objects.get(name="Handräckningsgrupp Malmö")
    group.always_open = True
    group.save()
    RoutingRule.objects.create(name="Test: allt till gruppen", region=PoliceRegion.objects.get(code="syd"), order=0,
                               target_kind="assistance_group", scope="police_area", requires_open=False)
    client = login_client("sb.malmo")
    r = _post(client)
    assert r.status_code == 302 and r["Location"] == URL
    req = AssistanceRequest.objects.get()
    assert req.case.unit == group
    page = client.get(URL).content.decode()
    assert req.case.reference_number in page and "Ärendet styrdes till Handräckningsgrupp Malmö" in page
    assert "Den skriftliga bekräftelsen ska komma in senast" in page
