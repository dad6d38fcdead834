"""What every case has, as pure rules: a check with its reason, a verdict, a transition table, a
closure checklist. A kind supplies its own table, labels and checks; these functions apply them.
No Django here."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

#: action -> {from state: to state}; ``None`` as a target means "decided by the action" (a resolver).
TransitionTable = Mapping[str, Mapping[str, str | None]]
Resolver = Callable[[str, str], str | None]


@dataclass(frozen=True)
class Check:
    code: str
    ok: bool
    message: str
    citation: str | None = None


@dataclass(frozen=True)
class Verdict:
    """Whether an action may be taken, with the reasons (the failed ones explain a refusal)."""

    allowed: bool
    checks: tuple[Check, ...]
    target: str | None = None

    @property
    def refusals(self) -> tuple[Check, ...]:
        return tuple(c for c in self.checks if not c.ok)

    @property
    def message(self) -> str:
        return " ".join(c.message for c in self.refusals)


@dataclass(frozen=True)
class ChecklistItem:
    code: str
    done: bool
    label: str
    citation: str | None = None
    #: What to say when it is not done (defaults to the label with "saknas").
    missing: str = ""


def verdict(checks: Iterable[Check], target: str | None) -> Verdict:
    checks = tuple(checks)
    ok = all(c.ok for c in checks)
    return Verdict(ok, checks, target if ok else None)


def allowed_actions(table: TransitionTable, state: str) -> list[str]:
    return [a for a, row in table.items() if state in row]


def target_state(table: TransitionTable, action: str, state: str, resolve: Resolver | None = None) -> str | None:
    """The state ``action`` leads to from ``state``, or None if the table does not allow it."""
    row = table.get(action, {})
    if state not in row:
        return None
    target = row[state]
    if target is not None:
        return target
    return resolve(action, state) if resolve else None


def check_transition(table: TransitionTable, state_labels: Mapping[str, str], action_labels: Mapping[str, str],
                     action: str, state: str, resolve: Resolver | None = None) -> Check:
    target = target_state(table, action, state, resolve)
    state_label = state_labels.get(state, "okänd status")
    if target is None:
        label = action_labels.get(action, "åtgärden")
        return Check("transition", False,
                     f"Åtgärden '{label}' är inte tillåten när ärendet har status '{state_label}'.")
    return Check("transition", True, f"{state_label} → {state_labels.get(target, target)}.")


def closure_refusals(items: Iterable[ChecklistItem]) -> list[Check]:
    """The checklist items that are not done, as refusing checks."""
    return [Check(f"checklist_{i.code}", False, i.missing or f"Kan inte avslutas: {i.label.lower()} saknas.",
                  i.citation) for i in items if not i.done]
