"""The contact-ban pages (the alarm console, the national overview, the case page's panel) in English."""

from __future__ import annotations

import pytest
from django.urls import reverse

from bitrade.monitoring import rules
from bitrade.monitoring.models import ContactBan
from bitrade.web.tests.bilingual import assert_bilingual

pytestmark = pytest.mark.django_db


def test_the_alarm_console_in_english(em_demo, login_client):
    assert_bilingual(login_client("rlc.syd"), reverse("monitoring:console"),
                     english=["Alarm console", "regional command centre",
                              "New alarm requiring immediate intervention"],
                     swedish=["Larmkonsol", "Nytt larm som kräver omedelbart ingripande"])


def test_the_contact_ban_case_page_in_english(em_demo, login_client):
    ban = ContactBan.objects.select_related("case").get(case__state=rules.ACTIVE)
    sv, en = assert_bilingual(login_client("rlc.syd"), reverse("cases:detail", args=[ban.case.public_id]),
                              english=["Responsible police area", "Regional command centre concerned",
                                       "Requirements for the next step", "Prohibited areas", "Deadlines"],
                              swedish=["Ansvarigt polisområde", "Berörd regionledningscentral",
                                       "Krav för nästa steg", "Förbudsområden", "Tidsfrister"])
    assert ban.prohibited_name in en  # data is shown as written


def test_the_national_overview_in_english(em_demo, login_client):
    assert_bilingual(login_client("analytiker"), reverse("monitoring:overview"),
                     english=["Contact bans with electronic monitoring – national overview", "Open alarms",
                              "Median from decision to fitting"],
                     swedish=["nationell översikt", "Öppna larm", "Median från beslut till montering"])
