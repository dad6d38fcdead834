"""The facts of a stored return case for the pure rules, and the assessment as of today (time-dependent parts —
the voluntary-departure deadline, a temporary permit's end, the lapse — are never read from a stale copy)."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.utils import timezone

from . import rules


def law_settings() -> rules.LawSettings:
    return rules.LawSettings(lapse_years=getattr(settings, "BITRADE_RETURNS_LAPSE_YEARS", 4))


def facts_of(rc) -> rules.Facts:
    return rules.Facts(
        origin=rc.origin, person_name=rc.person_name, date_of_birth=rc.date_of_birth,
        identity_status=rc.identity_status, nationality=rc.nationality, destination_country=rc.destination_country,
        destination_stance=rc.destination_stance, travel_document_kind=rc.travel_document_kind,
        travel_document_valid_until=rc.travel_document_valid_until, decision_type=rc.decision_type,
        deciding_body=rc.deciding_body, decided_on=rc.decided_on, final_on=rc.final_on,
        voluntary_departure_deadline=rc.voluntary_departure_deadline,
        deadline_extended_to=tuple(date.fromisoformat(d) for d in rc.deadline_extended_to),
        reentry_ban_until=rc.reentry_ban_until, reason=rc.reason, mv_category=rc.mv_category,
        whereabouts_known=rc.whereabouts_known,
        whereabouts_municipality_code=rc.whereabouts_municipality.code if rc.whereabouts_municipality_id else "",
        prior_dialogue=rc.prior_dialogue, family_with_children=rc.family_with_children,
        temporary_permit_until=rc.temporary_permit_until, stay_of_enforcement=rc.stay_of_enforcement,
        pending_impediment=rc.pending_impediment, pending_permit_application=rc.pending_permit_application,
        pending_family_asylum=rc.pending_family_asylum, permit_granted=rc.permit_granted, detained=rc.detained,
        under_supervision=rc.under_supervision, wants_to_return=rc.wants_to_return,
    )



def current(rc, on: date | None = None) -> dict:
    """The assessment of the case as of ``on`` (today), as JSON."""
    return rules.assess(facts_of(rc), on or timezone.localdate(), law_settings()).as_json()
