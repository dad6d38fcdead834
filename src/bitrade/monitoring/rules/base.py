"""The shared vocabulary of the contact-ban rules: a check that knows whether it is binding, and the
26 § exception that is the only way past a binding one.

The regulation is Polismyndighetens föreskrifter och allmänna råd (PMFS 2020:1, FAP 438-1) om verkställighet
av kontaktförbud med elektronisk övervakning. A paragraph that says "ska" binds; an "allmänt råd" ("bör",
"normalt") is guidance: failing it is a warning that needs a recorded reason, never a block.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

PMFS = "PMFS 2020:1"
EXCEPTION_CITATION = "26 § PMFS 2020:1"


@dataclass(frozen=True)
class Check:
    """One rule applied to one case: ``ok`` or not, whether it binds, why, and where it is written.

    ``excepted`` is set when a binding check failed but a valid 26 § exception covers it."""

    code: str
    ok: bool
    binding: bool
    message: str
    citation: str
    excepted: bool = False

    @property
    def blocking(self) -> bool:
        """A failed binding rule without an exception stops the step; a failed general advice does not."""
        return self.binding and not self.ok and not self.excepted

    @property
    def warning(self) -> bool:
        return not self.binding and not self.ok

    def as_dict(self) -> dict:
        return {"code": self.code, "ok": self.ok, "binding": self.binding, "message": self.message,
                "citation": self.citation, "excepted": self.excepted}


def section_of(citation: str) -> str:
    """The paragraf a citation names: "18 § första stycket PMFS 2020:1" → "18"."""
    match = re.match(r"\s*([0-9]+(?: [a-h])?) §", citation)
    return match.group(1) if match else ""


@dataclass(frozen=True)
class Exception26:
    """A decision under 26 § to depart from a binding rule: who decided, when, which § and why."""

    check: str  # the code of the rule departed from
    section: str  # the paragraf departed from, e.g. "18"
    decided_by: str
    decided_at: datetime | None
    reasons: str

    def problems(self) -> list[str]:
        out = []
        if not self.decided_by.strip():
            out.append("Ange vem som har beslutat om undantaget.")
        if self.decided_at is None:
            out.append("Ange när undantaget beslutades.")
        if len(self.reasons.strip()) < 10:
            out.append("Ange de särskilda skälen för undantaget.")
        if not self.section.strip():
            out.append("Ange vilken paragraf undantaget avser.")
        return out

    @property
    def valid(self) -> bool:
        return not self.problems()

    def covers(self, check: Check, at: datetime | None = None) -> bool:
        """A valid exception covers a binding check of the same code and paragraf, decided by ``at``."""
        if not (self.valid and check.binding and check.code == self.check):
            return False
        if section_of(check.citation) != self.section.strip().rstrip(" §"):
            return False
        return at is None or self.decided_at is None or self.decided_at <= at


def apply_exceptions(checks: Iterable[Check], exceptions: Iterable[Exception26],
                     at: datetime | None = None) -> list[Check]:
    """The checks with every failed binding one that a valid exception covers marked ``excepted``."""
    exceptions = list(exceptions)
    out = []
    for c in checks:
        if c.binding and not c.ok and any(e.covers(c, at) for e in exceptions):
            c = Check(c.code, c.ok, c.binding, c.message, c.citation, excepted=True)
        out.append(c)
    return out


@dataclass(frozen=True)
class Outcome:
    """The result of guarding a step: allowed or not, with every check (failed ones explain)."""

    allowed: bool
    checks: tuple[Check, ...] = field(default_factory=tuple)

    @property
    def blocking(self) -> tuple[Check, ...]:
        return tuple(c for c in self.checks if c.blocking)

    @property
    def warnings(self) -> tuple[Check, ...]:
        return tuple(c for c in self.checks if c.warning)


def outcome(checks: Iterable[Check], exceptions: Iterable[Exception26] = (), at: datetime | None = None) -> Outcome:
    checks = tuple(apply_exceptions(checks, exceptions, at))
    return Outcome(not any(c.blocking for c in checks), checks)
