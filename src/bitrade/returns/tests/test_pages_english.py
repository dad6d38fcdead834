"""The return pages (the group's overview, the case page's panels, the wanted list, the found report and
Kriminalvården's orders) in English."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from bitrade.returns import services
from bitrade.web.tests.bilingual import assert_bilingual

pytestmark = pytest.mark.django_db


def test_the_return_overview_in_english(handed_over, login_client):
    assert_bilingual(login_client("handl.syd"), reverse("returns:overview"),
                     english=["Return cases", "Deadline voluntary departure", "Case officer", "<th scope=\"col\">Lapses</th>",
                              ">Enforceable now</option>", ">Lapsing within 90 days</option>"],
                     swedish=["Återvändandeärenden", "Tidsfrist frivillig avresa", "Handläggare", "<th scope=\"col\">Preskriberas</th>",
                              ">Kan verkställas nu</option>", ">Preskriberas inom 90 dagar</option>"])


def test_the_return_case_page_in_english(handed_over, login_client):
    sv, en = assert_bilingual(login_client("gp.syd"), reverse("cases:detail", args=[handed_over.case.public_id]),
                              english=["Receiving country", "Travel document", "Handling", "Supervision and detention",
                                       "Deadline for voluntary departure"],
                              swedish=["Mottagarland", "Resehandling", "Handläggning", "Uppsikt och förvar",
                                       "Tidsfrist för frivillig avresa"])
    assert handed_over.person_name in en


def test_the_wanted_list_and_found_report_in_english(handed_over, actor_of, login_client):
    notice = services.issue_wanted(actor_of("gp.syd"), handed_over, "custody", "Omhänderta enligt 10 kap. UtlL.")
    officer = login_client("polis.malmo")
    assert_bilingual(officer, reverse("returns:notices"), english=["Wanted persons (returns)"],
                     swedish=["Efterlysta personer (återvändande)"])
    sv, en = assert_bilingual(officer, reverse("returns:found", args=[notice.public_id]),
                              english=["Where and how was the person found?", "What was done?", "Send report"],
                              swedish=["Var och hur påträffades personen?", "Vad gjordes?", "Skicka rapport"])
    assert "Omhänderta enligt 10 kap. UtlL." in en  # the instruction is data


def test_kriminalvardens_return_orders_in_english(handed_over, actor_of, login_client):
    gm = actor_of("gp.syd")
    services.assign(gm, handed_over, "Kemal Aydin")
    services.screen(gm, handed_over, "transport", "")
    services.order_transport(gm, handed_over, "charter", date(2025, 9, 1))
    assert_bilingual(login_client("nte.syd"), reverse("returns:kv_orders"),
                     english=["Transport orders (returns)", "Note (required for a deviation)", "Status: Ordered"],
                     swedish=["Transportbeställningar (återvändande)", "Anteckning (krävs vid avvikelse)",
                              "Status: Beställd"])
