"""A handful of demo return cases in different states (for the demo site; idempotent)."""

from __future__ import annotations

import copy
from datetime import date, timedelta

from django.utils import timezone

from bitrade.organisation.actor import actor_for_api_key, actor_for_person
from bitrade.organisation.models import ApiKey, Person

from . import services
from .models import ReturnCase
from .schemas import HandoverIn

BASE = {
    "reason": "avviken", "mv_category": 2,
    "person": {"name": "", "date_of_birth": "1990-01-01", "sex": "man", "identity_status": "established",
               "nationality": "IQ"},
    "destination": {"country": "IQ", "stance": "accepts_forced"},
    "decision": {"type": "avvisning", "deciding_body": "migrationsverket", "decided_on": "2023-01-10",
                 "final_on": "2023-02-20"},
    "whereabouts": {"known": False, "municipality_code": "1280", "description": "Avvek från anläggningsboende."},
    "prior_dialogue": {"held_on": "2023-04-01", "summary": "Dialog enligt överenskommelsen."},
}

CASES = [
    ("MV-DEMO-1", {"person": {"name": "Amir Rahimi"}}, "received"),
    ("MV-DEMO-2", {"person": {"name": "Lina Haddad", "sex": "kvinna"}, "reason": "tvang",
                   "travel_document": {"kind": "Pass", "valid_until": "2031-01-01"},
                   "whereabouts": {"known": True, "municipality_code": "1280"}}, "detained"),
    ("MV-DEMO-3", {"person": {"name": "Dawit Tesfaye", "nationality": "ER", "identity_status": "unknown"},
                   "destination": {"country": "ER", "stance": "voluntary_only"}, "mv_category": 4}, "received"),
    ("MV-DEMO-4", {"person": {"name": "Nodir Karimov", "nationality": "UZ"},
                   "destination": {"country": "UZ", "stance": "accepts_forced"},
                   "decision": {"type": "utvisning", "deciding_body": "migrationsdomstol", "final_on": "2022-11-01"},
                   "status": {"pending_impediment": True}}, "assigned"),
]


def _merge(base: dict, over: dict) -> dict:
    out = copy.deepcopy(base)
    for key, value in over.items():
        out[key] = {**out.get(key, {}), **value} if isinstance(value, dict) and isinstance(out.get(key), dict) \
            else value
    return out


def load_return_demo() -> int:
    """Hand the demo cases over as MV's system would, then let the border police in Syd work on them."""
    key = ApiKey.objects.filter(prefix="demo0002").select_related("organisation").first()
    manager = Person.objects.filter(username="gp.syd").first()
    if key is None or manager is None:
        return 0
    mv, gm = actor_for_api_key(key), actor_for_person(manager)
    made = 0
    for mv_id, over, state in CASES:
        if ReturnCase.objects.filter(source_reference=mv_id).exists():
            continue
        rc = services.receive_handover(mv, HandoverIn.model_validate(_merge({**BASE, "mv_case_id": mv_id}, over)))
        if state in ("assigned", "detained"):
            rc = services.assign(gm, rc, "Kemal Aydin")
        if state == "detained":
            rc = services.screen(gm, rc, "detention", "Tvång behövs; resehandling finns.")
            services.detain(gm, rc, "enforcement", "Risk att personen avviker.", centre="Förvaret i Åstorp",
                            started_at=timezone.now() - timedelta(days=50))
            services.order_transport(gm, rc, "escorted", date.today() + timedelta(days=10), escort=True)
        made += 1
    return made
