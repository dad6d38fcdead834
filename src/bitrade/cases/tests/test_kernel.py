"""The kernel carries a kind it has never heard of: a small kind registered here is opened, numbered,
shown, acted on through the page and the API (the same registry entry), refused where its table or
its checklist says no, and closed — with no change to ``cases``."""

from __future__ import annotations

import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from pydantic import BaseModel, Field

from bitrade.audit.models import AuditEvent
from bitrade.cases import kinds, services
from bitrade.cases.kinds import Action, CaseKind
from bitrade.cases.models import Case
from bitrade.cases.rules import ChecklistItem
from bitrade.common.actor import SYSTEM_ACTOR
from bitrade.organisation.models import Person, Unit

pytestmark = pytest.mark.django_db
T0 = datetime(2026, 6, 17, 10, 0, tzinfo=ZoneInfo("Europe/Stockholm"))


class NoteIn(BaseModel):
    text: str = Field(min_length=3, max_length=500, title="Anteckning")


def _note(actor, case, data):
    services.event(case, actor, "note", data.text)
    case.outcome_notes = data.text
    case.save(update_fields=["outcome_notes", "updated_at"])
    return case


TEST_KIND = CaseKind(
    key="kerneltest", label="Provärende", reference_prefix="PR",
    states={"open": "Öppet", "done": "Klart", "closed": "Avslutat"}, closed_states=frozenset({"closed"}),
    transitions={"finish": {"open": "done"}, "close": {"done": "closed"}},
    actions=(
        Action("finish", "klar", "Markera som klart", transition="finish",
               run=lambda actor, case, d: services.transition(actor, case, "finish", "Klart.")),
        Action("note", "anteckna", "Anteckna", NoteIn, run=_note),
        Action("close", "avsluta", "Avsluta", transition="close",
               run=lambda actor, case, d: services.close(actor, case)),
    ),
    closure_checklist=lambda case: [ChecklistItem("note", bool(case.outcome_notes), "En anteckning finns",
                                                  missing="Kan inte avslutas: skriv en anteckning först.")],
)


@pytest.fixture
def kind(demo):
    kinds.register(TEST_KIND)
    yield TEST_KIND
    kinds.unregister(TEST_KIND.key)


@pytest.fixture
def case(kind):
    unit = Unit.objects.get(name="Handräckningsgrupp Malmö")
    return services.open_case(SYSTEM_ACTOR, kind.key, region=unit.region, unit=unit, state="open", now=T0)


def _client(client, username="gc.malmo"):
    client.force_login(Person.objects.get(username=username))
    return client


def test_a_case_of_a_new_kind_gets_its_own_reference_series_and_labels(case):
    assert case.reference_number.startswith("PR-SYD-2026-")
    assert case.kind_label == "Provärende" and case.state_label == "Öppet"
    assert case.events.get().action == "received"


def test_an_unknown_kind_or_state_is_refused(kind, demo):
    unit = Unit.objects.get(name="Handräckningsgrupp Malmö")
    with pytest.raises(kinds.UnknownKind):
        services.open_case(SYSTEM_ACTOR, "nosuchkind", region=unit.region, unit=unit, state="open", now=T0)
    with pytest.raises(ValueError):
        services.open_case(SYSTEM_ACTOR, kind.key, region=unit.region, unit=unit, state="granted", now=T0)


def test_registering_an_action_with_an_unknown_transition_fails():
    bad = CaseKind(key="bad", label="x", reference_prefix="X", states={"a": "A"}, closed_states=frozenset(),
                   transitions={}, actions=(Action("go", "go", "Go", transition="nowhere", run=lambda *a: None),))
    with pytest.raises(ValueError):
        kinds.register(bad)


def test_the_page_offers_what_the_state_allows_and_the_form_takes_it(case, client):
    c = _client(client)
    page = c.get(f"/arenden/{case.public_id}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Provärende" in html
    assert "Öppet" in html and "Markera som klart" in html and "Anteckning" in html
    assert "Avsluta</button>" not in html  # not allowed from "open"
    r = c.post(f"/arenden/{case.public_id}/klar/")
    assert r.status_code == 302
    assert Case.objects.get(pk=case.pk).state == "done"


def test_the_api_takes_the_same_action_and_validates_with_the_same_schema(case, client):
    c = _client(client)
    url = f"/api/v1/cases/{case.public_id}/actions/note"
    bad = c.post(url, {"text": "x"}, content_type="application/json", HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()))
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "text"
    ok = c.post(url, {"text": "Ringt personen."}, content_type="application/json",
                HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()))
    assert ok.status_code == 200, ok.json()
    body = ok.json()
    assert body["kind"] == "kerneltest" and body["state_label"] == "Öppet"
    assert {a["name"] for a in body["offered_actions"]} == {"finish", "note"}
    unknown = c.post(f"/api/v1/cases/{case.public_id}/actions/grant", {}, content_type="application/json",
                     HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()))
    assert unknown.status_code == 404
    assert "finish" in unknown.json()["detail"]


def test_closure_follows_the_kinds_table_and_checklist(case, actor_of):
    gc = actor_of("gc.malmo")
    with pytest.raises(services.CaseError) as refused:
        services.close(gc, case)
    assert "inte tillåten" in refused.value.message
    services.transition(gc, case, "finish", "Klart.")
    with pytest.raises(services.CaseError) as refused:
        services.close(gc, case)
    assert refused.value.message == "Kan inte avslutas: skriv en anteckning först."
    assert AuditEvent.objects.filter(action="case.close", result="refused").count() == 2
    _note(gc, Case.objects.get(pk=case.pk), NoteIn(text="Klart och dokumenterat."))
    closed = services.close(gc, Case.objects.get(pk=case.pk))
    assert closed.state == "closed" and closed.closed_at is not None


def test_the_inbox_lists_cases_of_every_kind_with_their_own_labels(case, actor_of):
    from bitrade.cases import presenters

    gc = actor_of("gc.malmo")
    rows = [presenters.inbox_row(gc, c) for c in services.read_inbox(gc)]
    row = next(r for r in rows if r["reference_number"] == case.reference_number)
    assert row["kind_label"] == "Provärende" and row["status_label"] == "Öppet"


def test_another_unit_neither_sees_nor_acts(case, client):
    c = _client(client, "sb.stockholm")
    assert c.get(f"/arenden/{case.public_id}/").status_code == 404
