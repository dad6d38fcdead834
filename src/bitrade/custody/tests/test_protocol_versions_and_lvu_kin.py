"""A signed 27 § PL protocol is immutable (an amendment is a new version with its own signatures), and a
child's next-of-kin notice in an LVU case asks, records and follows the restrictions under 14 § LVU."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bitrade.assistance import rules as case_rules
from bitrade.assistance import services as cases
from bitrade.cases.services import CaseError
from bitrade.custody import rules
from bitrade.custody import services as custody
from bitrade.custody.models import ProtocolVersion
from bitrade.intake import services as intake
from bitrade.intake.schemas import RequestIn
from bitrade.intake.tests.helpers import LPT_RETURN, LVU_CARE, body

T0 = datetime(2026, 6, 17, 10, 0, tzinfo=ZoneInfo("Europe/Stockholm"))
TEXT = {"decided_by_text": "Johan Ek, gruppchef", "ground_and_time": "47 § andra stycket 3 LPT, 2026-06-17 10:00",
        "participants": "Johan Ek, Elin Holm", "subjects": "Patient Exempelsson", "intervention_time": "10:00–12:00",
        "other_events": "Lugnt förlopp; inga tvångsmedel."}


def _episode(actor_of, payload=LPT_RETURN, who="overlakare.malmo", ground="handrackning_lpt", decider="gc.malmo"):
    case = intake.submit_request(actor_of(who), RequestIn.model_validate(payload), idempotency_key=str(uuid.uuid4()),
                                 now=T0).request.case
    gc = actor_of(decider)
    case = cases.start_execution(gc, cases.assign(gc, cases.decide(gc, case, case_rules.GRANT, now=T0),
                                                  resource="Bil 1", now=T0), now=T0)
    return custody.start_episode(gc, case, ground=ground, place="Bostaden", started_at=T0), gc


@pytest.mark.django_db
def test_a_signed_protocol_cannot_be_edited_and_an_amendment_is_a_new_signed_version(demo, actor_of, login_client):
    episode, gc = _episode(actor_of)
    custody.save_protocol(gc, episode, fields=TEXT, sign_as="decider")
    with pytest.raises(CaseError, match="Undertecknade punkter"):
        custody.save_protocol(gc, episode, fields={"decided_by_text": "Någon annan"})
    p = custody.save_protocol(gc, episode, fields={}, sign_as="forman")
    assert p.complete and p.version == 1
    with pytest.raises(CaseError, match="Undertecknade punkter"):
        custody.save_protocol(gc, episode, fields={"other_events": "Handfängsel användes."})
    p = custody.amend_protocol(gc, episode, fields={"other_events": "Handfängsel användes under transporten."},
                               reason="Uppgiften om handfängsel saknades i den första versionen.")
    assert p.version == 2 and not p.complete and p.other_events.startswith("Handfängsel")
    old = ProtocolVersion.objects.get(protocol=p, version=1)
    assert old.text["other_events"] == TEXT["other_events"] and old.forman_signed_by_id == gc.person_id
    assert episode.case.events.filter(action="protocol_amended").exists()
    # The new version needs its own signatures; closing waits for them.
    custody.save_protocol(gc, episode, fields={}, sign_as="decider")
    custody.save_protocol(gc, episode, fields={}, sign_as="forman")
    html = login_client("gc.malmo").get(f"/arenden/{episode.case.public_id}/").content.decode()
    assert 'data-testid="protocol-amend"' in html


@pytest.mark.django_db
def test_the_pdf_says_which_version_it_is(demo, actor_of, login_client):
    from django.template.loader import render_to_string

    episode, gc = _episode(actor_of)
    custody.save_protocol(gc, episode, fields=TEXT, sign_as="decider")
    custody.save_protocol(gc, episode, fields={}, sign_as="forman")
    custody.amend_protocol(gc, episode, fields={"other_events": "Tillägg."}, reason="Komplettering av punkt 6.")
    episode.refresh_from_db()
    html = render_to_string("custody/protocol_pdf.html", {"episode": episode, "case": episode.case,
                                                          "protocol": episode.protocol, "checks": []})
    assert "Version 2 – ersätter version 1" in html and "inte undertecknad" in html


def test_lvu_child_next_of_kin_rules():
    base = dict(ground="handrackning_lvu", started_at=T0, is_minor=True)
    assert rules.next_of_kin_notification(rules.NextOfKinFacts(**base)).status == "ask_lvu_restrictions"
    assert rules.next_of_kin_notification(rules.NextOfKinFacts(**base, lvu_restriction="none")).status == "notify"
    assert rules.next_of_kin_notification(
        rules.NextOfKinFacts(**base, lvu_restriction="contact_restricted")).status == "notify_via_social_services"
    assert rules.next_of_kin_notification(
        rules.NextOfKinFacts(**base, lvu_restriction="whereabouts_secret")).status == "notify_without_whereabouts"
    # An adult, or another law: unchanged.
    assert rules.next_of_kin_notification(rules.NextOfKinFacts(**{**base, "is_minor": False})).status == "no_reason"
    assert rules.next_of_kin_notification(rules.NextOfKinFacts(**{**base, "ground": "handrackning_lpt"})).status \
        == "notify"


@pytest.mark.django_db
def test_lvu_child_next_of_kin_asks_records_and_follows_the_restriction(demo, actor_of):
    child = body(LVU_CARE, person__birth_date="2011-05-01")
    episode, gc = _episode(actor_of, child, who="soc.malmo", ground="handrackning_lvu",
                           decider="vb.syd")  # a child's case: the RLC, where the vb decides under LVU
    with pytest.raises(CaseError, match="fråga socialtjänsten"):
        custody.next_of_kin(gc, episode, notified=True, now=T0 + timedelta(minutes=20))
    custody.record_lvu_restriction(gc, episode, restriction="contact_restricted", told_by="Lina Persson, socialjouren")
    with pytest.raises(CaseError, match="genom socialtjänsten"):
        custody.next_of_kin(gc, episode, notified=True)
    episode = custody.next_of_kin(gc, episode, notified=True, via_social_services=True)
    assert episode.next_of_kin_notified_at is not None
    assert "genom socialtjänsten" in episode.case.events.filter(action="next_of_kin").last().text
