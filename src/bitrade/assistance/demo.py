"""Handräckning cases for the demo, so that every police persona's inbox has work in it: a request
waiting to be acknowledged, one waiting for completion, one granted without a resource, one being
executed, a child's case at the RLC, and one in Stockholm. Idempotent: each is submitted with a fixed
Idempotency-Key, so running the demo set-up again adds nothing."""

from __future__ import annotations

import base64
from datetime import timedelta

from django.utils import timezone

from bitrade.intake import services as intake
from bitrade.intake.schemas import RequestIn
from bitrade.organisation.actor import actor_for_person
from bitrade.organisation.models import Person

from . import rules, services


def _decision_pdf(person: str) -> bytes:
    """A readable demo care decision (a real PDF, as uploads are checked by their content)."""
    from weasyprint import HTML

    return HTML(string=f"<h1>Beslut om vård enligt LVU (demo)</h1><p>Socialnämnden har beslutat att "
                       f"{person} ska beredas vård enligt 2 § LVU.</p><p>Detta är en påhittad handling "
                       f"för demonstration.</p>").write_pdf()


def _lpt(person: str, address: str, measures: str, urgency: str = "urgent") -> dict:
    return {
        "requester": {"name": "Eva Sandberg", "role": "chief_physician", "phone": "040-33 10 00",
                      "email": "eva.sandberg@skane.example"},
        "legal_basis": "47 § andra stycket 3 LPT",
        "person": {"name": person, "birth_date": "1988-05-17"},
        "location": {"address": address, "municipality_code": "1280"},
        "destination": "Vuxenpsykiatri Malmö, avdelning 3",
        "measures": measures,
        "police_powers_reason": "Patienten har tidigare gjort motstånd när personal försökt föra hen tillbaka.",
        "urgency": urgency,
        "risks": ["violence"],
    }


def _lvu(person: str, birth: str, address: str, municipality: str, requester: dict, **extra) -> dict:
    return {
        "requester": requester,
        "legal_basis": "43 § första stycket 2 LVU",
        "person": {"name": person, "birth_date": birth},
        "location": {"address": address, "municipality_code": municipality},
        "destination": "HVB-hemmet Lärkan",
        "measures": "Hämta den unge och föra hen till HVB-hemmet enligt beslut om vård.",
        "police_powers_reason": "Den unge har avvikit två gånger och hotat personal; motstånd väntas.",
        "urgency": "near_term",
        "attachments": [{"kind": "care_decision", "filename": "beslut-om-vard.pdf",
                         "content_base64": base64.b64encode(_decision_pdf(person)).decode()}],
        **extra,
    }


SOC_MALMO = {"name": "Lina Persson", "role": "social_services_official", "phone": "040-34 10 00",
             "email": "lina.persson@malmo.example"}
SOC_STOCKHOLM = {"name": "Omar Said", "role": "social_services_official", "phone": "08-508 00 000"}

DEMO_REQUESTS = [
    # (key, requester login, body, what the police have done so far)
    ("demo-case-1", "overlakare.malmo",
     _lpt("Karin Demosson", "Södra Förstadsgatan 12",
          "Eftersöka och återföra patienten som har avvikit från avdelningen."), []),
    ("demo-case-2", "soc.malmo",
     _lvu("Leo Demosson", "2011-02-03", "Rosengårdsvägen 5", "1280", SOC_MALMO,
          legal_basis="43 § LVU"), []),
    ("demo-case-3", "overlakare.malmo",
     _lpt("Sven Demosson", "Ystadvägen 44",
          "Föra patienten till avdelningen för vård enligt LPT.", urgency="planned"), ["acknowledge", "grant"]),
    ("demo-case-4", "overlakare.malmo",
     _lpt("Maja Demosson", "Lorensborgsgatan 9",
          "Eftersöka och återföra patienten som uteblivit från permission."),
     ["acknowledge", "grant", "assign", "start_execution"]),
    ("demo-case-5", "soc.stockholm",
     _lvu("Nora Demosson", "2009-09-09", "Sveavägen 100", "0180", SOC_STOCKHOLM), []),
]


def load_demo_cases() -> list[str]:
    """Submit the demo requests (once) and take the police steps listed for each."""
    made = []
    for key, login, body, steps in DEMO_REQUESTS:
        requester = actor_for_person(Person.objects.get(username=login))
        result = intake.submit_request(requester, RequestIn.model_validate(body), idempotency_key=key,
                                       channel=intake.Channel.WEB)
        case = result.request.case
        made.append(case.reference_number)
        if result.replayed or not steps:
            continue
        police = actor_for_person(Person.objects.get(username=_commander(case)))
        for step in steps:
            case.refresh_from_db()
            if step == "acknowledge":
                services.acknowledge(police, case)
            elif step == "grant":
                services.decide(police, case, rules.GRANT, reason="Demo: beviljad efter formell granskning.")
            elif step == "assign":
                services.assign(police, case, resource="Patrull 2310")
            elif step == "start_execution":
                services.start_execution(police, case, now=timezone.now() + timedelta(seconds=1))
    return made


def _commander(case) -> str:
    """A demo login that may decide in the unit the case was routed to."""
    for username in ("gc.malmo", "sb.malmo", "rlc.syd", "vb.syd", "sb.stockholm", "rlc.stockholm"):
        person = Person.objects.filter(username=username).first()
        actor = actor_for_person(person) if person else None
        if actor is not None and actor.unit_id == case.unit_id:
            return username
    return "gc.malmo"
