"""Many open handräckning cases at once, for tests of read paths (query counts at different page sizes)."""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.utils import timezone

from bitrade.cases.models import Case
from bitrade.intake.models import AssistanceRequest
from bitrade.organisation.models import Municipality, RequestingOrganisation, Unit

UNIT = "Handräckningsgrupp Malmö"
ORGANISATION = "Socialnämnden Malmö stad"
STATES = ["received", "acknowledged", "granted", "assigned", "in_execution"]


def open_cases(n: int, *, unit: str = UNIT, organisation: str = ORGANISATION, start: int = 0) -> list[Case]:
    """``n`` open cases with their requests, routed to ``unit``; priorities, states and deadlines vary."""
    unit_row = Unit.objects.get(name=unit)
    org = RequestingOrganisation.objects.get(name=organisation)
    malmo = Municipality.objects.get(code="1280")
    now = timezone.now()
    cases = Case.objects.bulk_create([
        Case(kind="assistance", reference_number=f"HR-T-{uuid.uuid4().hex[:12]}", case_code="614",
             state=STATES[i % len(STATES)], received_at=now - timedelta(minutes=i), region=unit_row.region,
             unit=unit_row, priority=[None, 3, 2, 1][i % 4], ack_due_at=now + timedelta(minutes=i % 60),
             acknowledged_at=now if i % 3 == 0 else None, escalation_count=i % 2, routing_reasons=[])
        for i in range(start, start + n)])
    AssistanceRequest.objects.bulk_create([
        AssistanceRequest(case=c, channel="api", organisation=org, requester_name="Test",
                          requester_role="social_services_official", requester_phone="040-000000",
                          legal_basis_text="43 § första stycket 2 LVU", legal_basis_key="LVU-43-1-2", law="LVU",
                          person_name=f"Person {i}", protected_identity=i % 5 == 0, location_address="Gatan 1",
                          location_municipality=malmo, measures="Hämta.", requested_urgency="planned",
                          review_outcome="admissible", review={"legal_basis": {"citation": "43 § första stycket 2 LVU"}})
        for i, c in enumerate(cases)])
    return cases
