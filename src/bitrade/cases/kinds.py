"""The registry of case kinds: what a kind brings to the kernel.

The kernel (``cases``) knows what every case has — a reference number, a state, a unit, a timeline, a
decision and a closure. A kind (handräckning, and later contact bans and return enforcement) brings
what only it has, and registers it here from its ``AppConfig.ready()``:

* its reference prefix (numbering is per region and year),
* its states with their Swedish labels and its transition table (pure rules),
* its actions — each defined once, with its input schema, who may take it and the service it calls;
  the web page and the API both take an action through this one entry,
* its closure checklist, timeline labels and the panels its case page shows,
* who may see a case of that kind (scoping) and the extra columns of its inbox rows.

The kernel never imports a kind; it only looks kinds up here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import KW_ONLY, dataclass, field
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

if TYPE_CHECKING:  # pragma: no cover - annotations only
    from django.db.models import Q

    from bitrade.common.actor import Actor

    from .models import Case
    from .rules import ChecklistItem


class NoInput(BaseModel):
    """An action that takes no input."""


@dataclass(frozen=True)
class Action:
    """One thing a person can do in a case of a kind.

    ``name`` is the code name (the API path ``/cases/{id}/actions/{name}``), ``slug`` the Swedish web
    path, ``label`` the button text. ``schema`` validates the input from the form or the JSON body;
    ``run(actor, case, data)`` calls the service. ``may(actor, case)`` says whether to offer it to this
    person at all (the service still checks everything); ``transition`` names the row of the kind's
    transition table that must allow it in the case's state (None: not bound to a state).
    """

    name: str
    slug: str
    label: str
    schema: type[BaseModel] = NoInput
    _: KW_ONLY
    run: Callable[[Actor, Case, Any], Any]
    may: Callable[[Actor, Case], bool] | None = None
    transition: str | None = None
    summary: str = ""


@dataclass(frozen=True)
class Panel:
    """A section of the case page: a template and the context it needs (merged into the page's)."""

    template: str
    context: Callable[[Actor, Case], dict] | None = None
    #: Shown only to the unit the case is routed to (forms that change the case).
    only_handling_unit: bool = False


@dataclass(frozen=True)
class CaseKind:
    key: str
    label: str
    reference_prefix: str
    states: Mapping[str, str]
    closed_states: frozenset[str]
    transitions: Mapping[str, Mapping[str, str | None]]
    actions: tuple[Action, ...] = ()
    closure_checklist: Callable[[Case], list[ChecklistItem]] | None = None
    timeline_labels: Mapping[str, str] = field(default_factory=dict)
    panels: tuple[Panel, ...] = ()
    #: A filter on ``Case`` for the cases of this kind the actor may see beyond those routed to their
    #: unit (e.g. the RLC sees its region); None: only the handling unit's own.
    scope: Callable[[Actor], Q | None] | None = None
    #: The same filter for reading one case by its key (``selectors.find_case``, ``case_version``): it may use
    #: a subquery, where ``scope`` resolves rows beforehand so that the inbox query gets none. None: ``scope``.
    scope_one: Callable[[Actor], Q | None] | None = None
    #: The change-stamp keys (``cases.stamps``) of what ``scope`` adds for the actor, e.g. ``r:<region>:<kind>``
    #: for an RLC; the kind's migration keeps those keys bumped by triggers. The unit's own key is the kernel's.
    stamp_scopes: Callable[[Actor], tuple[str, ...]] | None = None
    #: select_related paths the kind's page and inbox need (its detail rows hang off the case).
    related: tuple[str, ...] = ()
    #: What an inbox row of this kind reads beyond the case's own columns (``selectors.INBOX_COLUMNS``):
    #: name → a field path from the case (``"return_case__person_name"``) or an expression (e.g. a
    #: ``KeyTextTransform`` of ``"assistance_request__review"``: one value out of a JSON column, not the
    #: whole column). The inbox reads its rows with ``values()`` (no model instance); the names must be
    #: unique across kinds (prefix them with the kind's own relation), and a case of another kind gets None.
    inbox_values: Mapping[str, Any] = field(default_factory=dict)
    #: Extra values for an inbox row of this kind (person, legal basis …), from the row's values: a dict of
    #: ``selectors.INBOX_COLUMNS`` and every kind's ``inbox_values``.
    inbox_row: Callable[[Actor, Mapping[str, Any]], dict] | None = None
    #: Tell the party that asked (the requester) about a step; None if the kind has no such party.
    notify_requester: Callable[[Case, str, str], None] | None = None
    #: Show the kernel's own "what you can do now" forms, built from the actions' schemas (a kind
    #: with hand-made forms in its panels turns this off).
    generic_action_forms: bool = True

    def state_label(self, state: str) -> str:
        return self.states.get(state, "Okänd status")

    def is_open(self, state: str) -> bool:
        return state not in self.closed_states

    def action(self, name: str) -> Action | None:
        return next((a for a in self.actions if a.name == name), None)

    def action_by_slug(self, slug: str) -> Action | None:
        return next((a for a in self.actions if a.slug == slug), None)


_KINDS: dict[str, CaseKind] = {}


class UnknownKind(LookupError):
    pass


def register(kind: CaseKind) -> CaseKind:
    """Register a kind (from its app's ``ready()``); registering the same key again replaces it."""
    slugs = [a.slug for a in kind.actions]
    names = [a.name for a in kind.actions]
    if len(set(slugs)) != len(slugs) or len(set(names)) != len(names):
        raise ValueError(f"case kind {kind.key}: action names and slugs must be unique")
    for action in kind.actions:
        if action.transition is not None and action.transition not in kind.transitions:
            raise ValueError(f"case kind {kind.key}: action {action.name} names unknown transition "
                             f"{action.transition}")
    _KINDS[kind.key] = kind
    return kind


def unregister(key: str) -> None:
    _KINDS.pop(key, None)


def get(key: str) -> CaseKind:
    try:
        return _KINDS[key]
    except KeyError:
        raise UnknownKind(f"no case kind {key!r} is registered") from None


def all_kinds() -> list[CaseKind]:
    return list(_KINDS.values())


def kind_of(case: Case) -> CaseKind:
    return get(case.kind)
