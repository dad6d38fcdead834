"""The contact ban with electronic monitoring registered as a case kind."""

from __future__ import annotations

from django.db.models import Q

from bitrade.cases.kinds import CaseKind, Panel

from . import rules, services, views
from .actions import ACTIONS


def scope(actor) -> Q | None:
    """Beyond BOPS (the handling unit): the RLC that takes the case's immediate alarms, and the two
    contact persons."""
    if not actor.is_police:
        return None
    q = Q(contact_ban__rlc_id=actor.unit_id) if actor.unit_id else Q(pk__in=[])
    if actor.person_id:
        q |= Q(contact_ban__contact_person_protected_id=actor.person_id)
        q |= Q(contact_ban__contact_person_prohibited_id=actor.person_id)
    return q

def stamp_scopes(actor) -> tuple[str, ...]:
    """The contact persons' part (the RLC's is its unit's own key)."""
    return (f"p:{actor.person_id}",) if actor.is_police and actor.person_id else ()



CONTACT_BAN = CaseKind(
    key=services.KIND,
    label="Kontaktförbud med elektronisk övervakning",
    reference_prefix="KF",
    states=rules.STATE_LABELS,
    closed_states=rules.CLOSED_STATES,
    transitions=rules.TRANSITIONS,
    actions=ACTIONS,
    closure_checklist=services.closure_checklist,
    timeline_labels={**rules.ACTION_LABELS, "em_record": "Uppgifter antecknade", "em_area": "Förbudsområde", "em_device": "Enhet kopplad",
                     "em_exception": "Undantag (26 §)", "em_reminder": "Påminnelse", "em_overdue": "Tiden har gått ut"},
    panels=(
        Panel("monitoring/_case.html", views.case_panel),
        Panel("monitoring/_actions.html", views.actions_panel, only_handling_unit=True),
    ),
    scope=scope,
    stamp_scopes=stamp_scopes,
    related=("contact_ban", "contact_ban__rlc", "contact_ban__police_area"),
    inbox_values=views.INBOX_VALUES,
    inbox_row=views.inbox_row,
    generic_action_forms=False,  # the kind's own panel has its forms
)
