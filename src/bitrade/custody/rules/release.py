"""Release duty: whether the episode must end now, why, and what must be recorded when it ends."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from .base import _aware_utc, _cite, _local, _text, format_duration
from .grounds import CustodyGround, get_ground
from .time_config import TimeLimitConfig
from .time_limits import time_limit

# ---------------------------------------------------------------------------------------------
# Release duty
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReleaseDuty:
    """Whether the episode must end now, why, and what must be recorded when it ends.

    ``record`` holds (code, Swedish label) pairs of the facts to record.  ``due_at`` is the statutory
    end (UTC), None where the law sets no hours.
    """

    must_release: bool
    reason: Literal["hard_limit_reached", "identified", "interviewed", "none"]
    message: str
    citation: str
    due_at: datetime | None
    elapsed: timedelta
    record: tuple[tuple[str, str], ...]


_RECORD_ALWAYS: tuple[tuple[str, str], ...] = (
    ("ended_at", "Tidpunkt då frihetsberövandet upphörde"),
    ("end_reason", "Skäl till att frihetsberövandet upphörde"),
    ("intervention_time", f"Tiden för ingripandet i protokollet ({_cite('PL', '27', 2, 5)})"),
)


def release_duty(
    ground: str | CustodyGround,
    started_at: datetime,
    now: datetime,
    config: TimeLimitConfig | None = None,
    *,
    identification_of_special_importance: bool = False,
    special_importance_reason: str = "",
    identified_at: datetime | None = None,
    interviewed_at: datetime | None = None,
    is_minor: bool = False,
) -> ReleaseDuty:
    """Whether the person must be released now.

    * A statutory limit reached (``now - started_at >= limit``) → release now.  A claimed 12 h
      identification limit counts only with a recorded reason (as in :func:`check_duration`).
    * 14 § PL: identified → release immediately (16 § tredje stycket PL).
    * 13 § andra stycket PL: interviewed → release as soon as possible after the interview (16 §
      andra stycket PL); a minor may be held until handed over, within the six hours.
    Grounds without hours never force release here: their duty is the recorded re-assessment.
    """
    g = get_ground(ground)
    start = _aware_utc(started_at, "starttiden")
    at = _aware_utc(now, "now")
    if at < start:
        raise ValueError("now kan inte ligga före frihetsberövandets början")
    special = identification_of_special_importance and bool(_text(special_importance_reason))
    limit = time_limit(g, identification_of_special_importance=special, config=config)
    elapsed = at - start
    due = start + limit.hard_limit if limit.hard_limit is not None else None
    record = list(_RECORD_ALWAYS)
    if is_minor:
        record.append(("handed_over_to", "Till vem den unge överlämnades (vårdnadshavare, socialtjänst eller annan lämplig vuxen)"))
    record.append(("new_ground", "Ny grund, om frihetsberövandet fortsätter på en annan grund (t.ex. gripande)"))
    record.append(
        ("next_of_kin", f"Underrättelse till anhörig behövs inte när åtgärden har upphört ({_cite('PL', '17 a', 3)})")
    )

    if limit.hard_limit is not None and elapsed >= limit.hard_limit:
        return ReleaseDuty(
            True,
            "hard_limit_reached",
            f"Tidsgränsen {format_duration(limit.hard_limit)} nåddes {_local(due)}. Personen ska friges nu; "
            "fortsatt frihetsberövande kräver en annan, dokumenterad grund.",
            limit.citation,
            due,
            elapsed,
            tuple(record),
        )
    if g.code == "pl_14" and identified_at is not None and _aware_utc(identified_at) <= at:
        return ReleaseDuty(
            True,
            "identified",
            f"Personen identifierades {_local(identified_at)} och ska friges omedelbart, om inte frihetsberövandet "
            "fortsätter på den grund som efterspaningen avsåg.",
            _cite("PL", "16", 3),
            due,
            elapsed,
            (*record, ("identified_at", "Tidpunkt då identiteten fastställdes")),
        )
    if g.code == "pl_13_2" and interviewed_at is not None and _aware_utc(interviewed_at) <= at and not is_minor:
        return ReleaseDuty(
            True,
            "interviewed",
            f"Förhöret hölls {_local(interviewed_at)}; personen ska friges snarast möjligt efter förhöret.",
            _cite("PL", "16", 2),
            due,
            elapsed,
            (*record, ("interviewed_at", "Tidpunkt för förhöret")),
        )
    if due is not None:
        message = f"Ingen skyldighet att frige ännu; tidsgränsen nås {_local(due)}."
        if g.code == "pl_13_2" and is_minor:
            message += " Den unge ska skyndsamt överlämnas och får hållas kvar i avvaktan på det, dock högst sex timmar."
    else:
        message = (
            "Lagen anger ingen tidsgräns i timmar för denna grund. Frihetsberövandet ska upphöra när "
            "uppdraget är utfört eller behovet har upphört, och omprövas enligt plattformens tröskelvärden."
        )
    return ReleaseDuty(False, "none", message, limit.citation, due, elapsed, tuple(record))
