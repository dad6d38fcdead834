"""The case page's handräckning panels (request, custody, transport, references) in English, and the förvar
form's child fields: shown for a child or an unknown age, never for an adult."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from bitrade.custody import services as custody
from bitrade.custody.models import CustodyEpisode
from bitrade.custody.tests.test_custody_flow import HOLD, executing_case
from bitrade.transport import services as transport
from bitrade.web.tests.bilingual import assert_bilingual, in_both

pytestmark = pytest.mark.django_db


def _custody_and_transport(actor_of):
    case, gc = executing_case(actor_of)
    now = timezone.now()
    episode = custody.start_episode(gc, case, ground="handrackning_lpt", place="Arresten Malmö",
                                    started_at=now - timedelta(minutes=30))
    custody.decide_holding(gc, episode, **HOLD)
    transport.order_nte(gc, case, episode=episode, fields=transport.order_fields(case, episode, now))
    return case, episode


def test_custody_and_transport_panels_in_english(demo, actor_of, login_client):
    case, _ = _custody_and_transport(actor_of)
    sv, en = assert_bilingual(
        login_client("gc.malmo"), reverse("cases:detail", args=[case.public_id]),
        english=["Deprivations of liberty", "Review, supervisor, next of kin", "Record (section 27 PL)",
                 "End the deprivation of liberty", "Cancel the transport", "Plan a police transport",
                 "Information given to the Prison and Probation Service", "References to other registers",
                 "Save references", "Formal review", "Medication"],
        swedish=["Frihetsberövanden", "Omprövning, förman, närstående", "Protokoll (27 § PL)",
                 "Avsluta frihetsberövandet", "Avbeställ transporten", "Planera polistransport",
                 "Hänvisningar till andra register", "Spara hänvisningar", "Formell granskning", "Läkemedel"])
    assert "Arresten Malmö" in en and "Patient Exempelsson" in en  # data is shown as written


def _holding_form(client, case, age):
    CustodyEpisode.objects.filter(case=case).update(person_age=age)
    return client.get(reverse("cases:detail", args=[case.public_id])).content.decode()


@pytest.mark.parametrize("age, shown, hint", [(35, False, False), (113, False, False), (16, True, False),
                                              (None, True, True)])
def test_the_child_fields_of_the_holding_form_follow_the_age(demo, actor_of, login_client, age, shown, hint):
    case, gc = executing_case(actor_of)
    custody.start_episode(gc, case, ground="handrackning_lpt", place="Arresten Malmö", started_at=timezone.now())
    page = _holding_form(login_client("gc.malmo"), case, age)
    assert "Besluta om förvar" in page  # the form itself is there in every case
    assert ('data-testid="holding-child"' in page) is shown
    assert ("Barn (15–17 år)" in page) is shown
    assert ('name="best_interest"' in page) is shown
    assert ("Fyll bara i det här om personen är ett barn" in page) is hint


def test_the_child_hint_in_english(demo, actor_of, login_client):
    case, gc = executing_case(actor_of)
    custody.start_episode(gc, case, ground="handrackning_lpt", place="Arresten Malmö", started_at=timezone.now())
    CustodyEpisode.objects.filter(case=case).update(person_age=None)
    sv, en = in_both(login_client("gc.malmo"), reverse("cases:detail", args=[case.public_id]))
    assert "Child (15–17 years)" in en and "Fill this in only if the person is a child" in en
    assert "Barn (15–17 år)" not in en


def test_an_adults_holding_needs_no_child_fields(demo, actor_of, login_client):
    case, gc = executing_case(actor_of)
    episode = custody.start_episode(gc, case, ground="handrackning_lpt", place="Arresten Malmö",
                                    started_at=timezone.now())
    client = login_client("gc.malmo")
    response = client.post(reverse("custody:act", args=[case.public_id, episode.pk, "forvar"]),
                           {"reason": HOLD["reason"], "place_type": HOLD["place_type"],
                            "necessity": HOLD["necessity"], "alternatives_considered": HOLD["alternatives_considered"]})
    assert response.status_code in (200, 302)
    assert episode.holdings.count() == 1
