"""Every change of a case that the kernel owns, whatever its kind: opening it with its reference
number, its timeline, the handling-unit check, refusals on record, closure by the kind's checklist,
and taking any registered action. One transaction each, with timeline, audit and outbox."""

from __future__ import annotations

import hashlib
from datetime import datetime
from functools import wraps
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import connections, router
from django.db.models import signals
from django.http import Http404
from django.utils import timezone, translation

from bitrade.audit import services as audit
from bitrade.common import conditional
from bitrade.common.actor import Actor
from bitrade.common.compiled import CompiledRead, insert, save_fields
from bitrade.common.errors import DomainError
from bitrade.idempotency.services import step
from bitrade.organisation.models import Unit
from bitrade.outbox import services as outbox

from . import kinds, references, selectors
from . import rules as kernel_rules
from .models import Case, CaseEvent

OBJECT_TYPE = "cases.case"


class CaseError(DomainError):
    """A refused action: the message and citation come from the rules."""

    status = 409

    def __init__(self, verdict_or_message, citation: str | None = None, status: int = 409):
        checks: tuple = ()
        if isinstance(verdict_or_message, kernel_rules.Verdict):
            checks = verdict_or_message.refusals
            message = verdict_or_message.message
            citation = next((c.citation for c in checks if c.citation), citation)
        else:
            message = verdict_or_message
        super().__init__(message, status=status, citation=citation, checks=checks)


def refusals_audited(action: str):
    """A refused action is rolled back, then recorded in the audit trail as refused (with the reason)."""

    def decorator(fn):
        @wraps(fn)
        def wrapper(actor, case, *args, **kwargs):
            try:
                return fn(actor, case, *args, **kwargs)
            except CaseError as exc:
                name = args[0] if action == "decide" and args else kwargs.get("action", action)
                audit.record(actor, f"case.{name}", obj=case, result="refused", reason=exc.message)
                raise

        return wrapper

    return decorator


FUNCTION_ORDER = ("rlc_commander", "duty_officer", "station_commander", "level2_manager", "officer")


def function_of(actor: Actor) -> str:
    """The function the actor acts in, the highest first."""
    return next((f for f in FUNCTION_ORDER if f in actor.functions), "")


def event(case: Case, actor: Actor, action: str, text: str = "", *, from_state: str = "", to_state: str = "",
          citation: str = "", public: bool = True, data: dict | None = None, now: datetime | None = None) -> CaseEvent:
    """A step on the case's timeline (``public`` steps are shown to the requester too)."""
    return insert(CaseEvent(  # as CaseEvent.objects.create, its INSERT built once (common.compiled)
        case=case, at=now or timezone.now(), action=action, actor_label=actor.label,
        actor_function=function_of(actor), from_state=from_state, to_state=to_state, text=text,
        citation=citation or "", public=public, data=data or {},
    ))


# The names the kind apps have used since the first version.
_event = event
_function = function_of


def notify_unit(case: Case, unit: Unit, event: str, text: str) -> None:
    outbox.enqueue("email", unit.email, event=event, obj=case, subject=f"Biträde: {text} {case.reference_number}",
                   body=f"{text}: {case.reference_number}.\nÖppna ärendet i Biträde för uppgifter om personen.")


def notify_requester(case: Case, event: str, text: str) -> None:
    """Tell the party that asked, if the case's kind has one."""
    hook = kinds.kind_of(case).notify_requester
    if hook is not None:
        hook(case, event, text)


def next_reference(region, now: datetime, prefix: str = "HR") -> str:
    """The next reference number of the region and year (a sequence on PostgreSQL: no hot row)."""
    return references.next_reference(region, now, prefix)


def _create_with_reference(conn, number_region, now: datetime, prefix: str, *, first_event: CaseEvent | None = None,
                           **values: Any) -> Case:
    """The case's row inserted with SQL built from the model (``Case.objects.create`` compiles its INSERT on
    every call). On PostgreSQL its reference number is drawn from the region's sequence in the same statement
    (``INSERT … VALUES (…, (SELECT … FROM cases_next_references(…)), …) RETURNING``): one round trip instead
    of two. The number has the form of ``references.next_reference``; the model's save signals are sent as
    ``Case.objects.create`` would send them.

    ``first_event`` (its ``case`` not set yet), on PostgreSQL: the case's first timeline event goes in with the
    case in the same statement (``WITH c AS (INSERT … RETURNING …) INSERT INTO cases_caseevent … SELECT … FROM c``),
    its key and case set as ``event`` would set them, its save signals sent. Elsewhere it is inserted after
    the case by ``event``'s INSERT."""
    meta = Case._meta
    case = Case(reference_number="", **values)
    signals.pre_save.send(sender=Case, instance=case, raw=False, using=conn.alias, update_fields=None)
    with_event = first_event is not None and conn.vendor == "postgresql"
    sql, fields, returning, converters = _case_insert(conn)
    if with_event:
        sql, event_fields, event_returning, event_converters = _case_and_event_insert(conn)
    params = []
    for field in fields:
        if field is None and conn.vendor != "postgresql":
            params.append(next_reference(number_region, now, prefix))  # SQLite (one writer): the counter row
        elif field is None:
            year = timezone.localtime(now).year
            params += [references._format(prefix, number_region, year, 0)[:-5],
                       references._sequence_name(number_region.pk, year), number_region.pk, year]
        else:
            params.append(field.get_db_prep_save(field.pre_save(case, True), conn))
    if with_event:
        signals.pre_save.send(sender=CaseEvent, instance=first_event, raw=False, using=conn.alias,
                              update_fields=None)
        params += [field.get_db_prep_save(field.pre_save(first_event, True), conn) for field in event_fields]
    with conn.cursor() as cur:
        cur.execute(sql, params)
        row = cur.fetchone()
    for field, value, convs in zip(returning, row, converters, strict=False):
        for converter in convs:
            value = converter(value, field.get_col(meta.db_table), conn)
        setattr(case, field.attname, value)
    case._state.adding, case._state.db = False, conn.alias
    signals.post_save.send(sender=Case, instance=case, created=True, update_fields=None, raw=False,
                           using=conn.alias)
    if with_event:
        first_event.case = case
        event_table = CaseEvent._meta.db_table
        for field, value, convs in zip(event_returning, row[len(returning):], event_converters, strict=True):
            for converter in convs:
                value = converter(value, field.get_col(event_table), conn)
            setattr(first_event, field.attname, value)
        first_event._state.adding, first_event._state.db = False, conn.alias
        signals.post_save.send(sender=CaseEvent, instance=first_event, created=True, update_fields=None, raw=False,
                               using=conn.alias)
    return case


_CASE_INSERTS: dict[str, tuple] = {}


def _case_insert(conn) -> tuple:
    """The case's INSERT for this database vendor, built once: (SQL, the fields whose values go in, in order,
    ``None`` where the reference number goes, the fields returned, their converters)."""
    entry = _CASE_INSERTS.get(conn.vendor)
    if entry is not None:
        return entry
    meta = Case._meta
    qn = conn.ops.quote_name
    number = (f"(SELECT %s || CASE WHEN n < 100000 THEN lpad(n::text, 5, '0') ELSE n::text END "
              f"FROM {references.PG_FUNCTION_NAME}(%s, %s, %s, 1) AS t(n))")
    columns, placeholders, fields = [], [], []
    returning = [*meta.db_returning_fields, meta.get_field("reference_number")]  # the id, generated columns
    for field in meta.local_concrete_fields:
        if field in meta.db_returning_fields:
            continue
        columns.append(qn(field.column))
        if field.name == "reference_number":
            placeholders.append(number if conn.vendor == "postgresql" else "%s")
            fields.append(None)
        else:
            placeholders.append("%s")
            fields.append(field)
    sql = (f"INSERT INTO {qn(meta.db_table)} ({', '.join(columns)}) "  # noqa: S608 - names from the model
           f"VALUES ({', '.join(placeholders)}) "
           f"RETURNING {', '.join(qn(f.column) for f in returning)}")
    converters = [[*conn.ops.get_db_converters(f.get_col(meta.db_table)), *f.get_db_converters(conn)]
                  for f in returning]
    entry = _CASE_INSERTS[conn.vendor] = (sql, fields, returning, converters)
    return entry


def _case_and_event_insert(conn) -> tuple:
    """PostgreSQL: the case's INSERT (``_case_insert``) and its first event's in one statement, built once:
    (SQL, the event's fields whose values follow the case's, the event's fields returned, their converters).
    The SQL's parameters are the case's, then the event's; it returns the case's columns, then the event's."""
    entry = _CASE_INSERTS.get("postgresql+event")
    if entry is not None:
        return entry
    case_sql, _fields, returning, _converters = _case_insert(conn)
    meta = CaseEvent._meta
    qn = conn.ops.quote_name
    event_returning = list(meta.db_returning_fields)
    case_field = meta.get_field("case")
    fields = [f for f in meta.local_concrete_fields if f not in event_returning and f is not case_field]
    sql = (f"WITH c AS ({case_sql}), e AS ("  # noqa: S608 - names from the model
           f"INSERT INTO {qn(meta.db_table)} ({qn(case_field.column)}, {', '.join(qn(f.column) for f in fields)}) "
           f"SELECT c.{qn(Case._meta.pk.column)}, {', '.join(['%s'] * len(fields))} FROM c "
           f"RETURNING {', '.join(qn(f.column) for f in event_returning)}) "
           f"SELECT {', '.join(f'c.{qn(f.column)}' for f in returning)}, "
           f"{', '.join(f'e.{qn(f.column)}' for f in event_returning)} FROM c CROSS JOIN e")
    converters = [[*conn.ops.get_db_converters(f.get_col(meta.db_table)), *f.get_db_converters(conn)]
                  for f in event_returning]
    entry = _CASE_INSERTS["postgresql+event"] = (sql, fields, event_returning, converters)
    return entry


def open_case(actor: Actor, kind: str, *, region, unit: Unit, state: str, now: datetime, text: str = "",
              **fields: Any) -> Case:
    """Create a case of a registered kind (called inside the kind's own write transaction)."""
    spec = kinds.get(kind)
    if state not in spec.states:
        raise ValueError(f"{state!r} is not a state of case kind {kind}")
    conn = connections[router.db_for_write(Case)]
    text = text or f"Ärendet är mottaget och styrt till {unit.name}."
    if conn.vendor == "postgresql":  # the case and its first event in one statement
        first = CaseEvent(at=now, action="received", actor_label=actor.label, actor_function=function_of(actor),
                          from_state="", to_state=state, text=text, citation="", public=True, data={})
        return _create_with_reference(conn, region, now, spec.reference_prefix, first_event=first, kind=kind,
                                      state=state, received_at=now, region=region, unit=unit, **fields)
    case = _create_with_reference(conn, region, now, spec.reference_prefix, kind=kind, state=state,
                                  received_at=now, region=region, unit=unit, **fields)
    event(case, actor, "received", text, to_state=state, now=now)
    return case


def lock(case: Case) -> Case:
    """The case's row locked for a step (``of=self``: not the unit's and region's rows it joins, which every
    new case of the unit and region refers to), read with its kind's rows joined in (``CaseKind.related``:
    the step and its answer use them; one statement instead of one per related row)."""
    spec = kinds._KINDS.get(case.kind)
    related = ("unit", "region", *(spec.related if spec is not None else ()))
    read = _LOCKS.get(related)
    if read is None:  # compiled once per thread (``common.compiled``): the same statement step after step
        read = _LOCKS[related] = CompiledRead(
            f"cases.lock:{','.join(related)}",
            lambda pk: Case.objects.select_for_update(of=("self",)).select_related(*related).filter(pk=pk),
            (Case._meta.pk,), (-0xB17,))
    locked = read.first(case.pk)
    if locked is None:
        raise Case.DoesNotExist("Case matching query does not exist.")
    return locked


_LOCKS: dict[tuple, CompiledRead] = {}


_lock = lock


def require_handling_unit(actor: Actor, case: Case,
                          message: str = "Endast den enhet som ärendet är styrt till kan göra detta.") -> None:
    if not actor.is_police or actor.unit_id != case.unit_id:
        raise PermissionDenied(message)


_require_handling_unit = require_handling_unit


def refusal(checks) -> CaseError:
    """A CaseError from rule checks (``blocking`` where the check has it, else ``not ok``)."""
    failed = [c for c in checks if getattr(c, "blocking", not c.ok)]
    err = CaseError(" ".join(c.message for c in failed), next((c.citation for c in failed if c.citation), None))
    err.checks = tuple(failed)
    return err


def transition(actor: Actor, case: Case, action: str, text: str, now: datetime | None = None, *,
               public: bool = True) -> Case:
    """A plain state change along the kind's transition table, by the handling unit."""
    require_handling_unit(actor, case)
    now = now or timezone.now()
    try:
        with step():
            case = lock(case)
            spec = kinds.kind_of(case)
            check = kernel_rules.check_transition(spec.transitions, spec.states, _labels(spec), action, case.state)
            if not check.ok:
                raise CaseError(check.message)
            old = case.state
            case.state = kernel_rules.target_state(spec.transitions, action, case.state)
            save_fields(case, ["state", "updated_at"])
            event(case, actor, action, text, from_state=old, to_state=case.state, public=public, now=now)
            audit.record(actor, f"case.{action}", obj=case, old={"state": old}, new={"state": case.state})
    except CaseError as exc:
        audit.record(actor, f"case.{action}", obj=case, result="refused", reason=exc.message)
        raise
    return case


def _labels(spec: kinds.CaseKind) -> dict[str, str]:
    return {a.transition or a.name: a.label for a in spec.actions}


def closure_checklist(case: Case) -> list[kernel_rules.ChecklistItem]:
    hook = kinds.kind_of(case).closure_checklist
    return hook(case) if hook else []


@refusals_audited("close")
def close(actor: Actor, case: Case, now: datetime | None = None, *, action: str = "close",
          text: str = "Ärendet är avslutat.") -> Case:
    """Close a case when its kind's transition table allows it and its closure checklist is done."""
    require_handling_unit(actor, case)
    now = now or timezone.now()
    with step():
        case = lock(case)
        spec = kinds.kind_of(case)
        checks = [kernel_rules.check_transition(spec.transitions, spec.states, _labels(spec), action, case.state),
                  *kernel_rules.closure_refusals(closure_checklist(case))]
        result = kernel_rules.verdict(checks, kernel_rules.target_state(spec.transitions, action, case.state))
        if not result.allowed:
            raise CaseError(result)
        old = case.state
        case.state, case.closed_at = result.target, now
        save_fields(case, ["state", "closed_at", "updated_at"])
        event(case, actor, action, text, from_state=old, to_state=case.state, now=now)
        audit.record(actor, "case.closed", obj=case)
        notify_requester(case, "case.closed", "Ärendet är avslutat")
    return case


# --------------------------------------------------------------------------- audited reads


def read_case(actor: Actor, public_id, *, purpose: str = "visning", for_step: bool = False) -> Case:
    """The case for this actor, its read on record; a refusal is on record too.

    ``for_step``: read for an action that locks the case and reads it afresh (the case's own row only: the
    lock reads it again with its unit, region and the kind's rows), and its read goes on record with the step's write transaction
    (``audit.record_with_next_write``: one write transaction, not two; on its own if no write comes)."""
    if not actor.is_police:
        audit.record(actor, "case.read_refused", object_type=OBJECT_TYPE, object_id=str(public_id)[:64],
                     result="refused", reason="ärendet är polisens")
        raise PermissionDenied("Ärendet är polisens; begärande myndigheter följer sin begäran.")
    case = selectors.find_case(actor, public_id, kind_related=not for_step)
    if case is None:
        audit.record(actor, "case.read_refused", object_type=OBJECT_TYPE, object_id=str(public_id)[:64],
                     result="refused", reason="utanför aktörens behörighet eller finns inte")
        raise Http404("Finns inte")
    if for_step:
        # As audit.record_read logs one object's read (no fingerprint), held for the step's transaction.
        audit.record_with_next_write(actor, audit.READ, object_type=OBJECT_TYPE, object_id=str(case.pk),
                                     reason=purpose, new={"ids": [str(case.pk)], "count": 1})
    else:
        audit.record_read(actor, OBJECT_TYPE, [case.pk], purpose=purpose)
    return case


def read_inbox(actor: Actor, *, include_closed: bool = False, limit: int = selectors.INBOX_LIMIT) -> list[dict]:
    """The actor's inbox (its first ``limit`` rows, ``selectors.inbox_rows``), its read on record."""
    return read_inbox_page(actor, include_closed=include_closed, limit=limit)[0]


def read_inbox_page(actor: Actor, *, include_closed: bool = False, limit: int = selectors.INBOX_LIMIT,
                    after: list | None = None) -> tuple[list[dict], list | None]:
    """A page of the actor's inbox (rows as ``selectors.inbox_rows`` reads them) and the sort key to
    continue after (None on the last page), its read on record."""
    if not actor.is_police:
        raise PermissionDenied("Inkorgen är polisens.")
    rows = selectors.inbox_rows(actor, include_closed=include_closed, limit=limit + 1, after=after)
    more = len(rows) > limit
    rows = rows[:limit]
    record_inbox_read(actor, [r["pk"] for r in rows], inbox_fingerprint(rows),
                      purpose="inkorg" if after is None else "inkorg, fler")
    return rows, (selectors.inbox_key(rows[-1]) if more and rows else None)


def inbox_fingerprint(rows: list[dict]) -> str:
    """What an inbox page shows, for its read log: each row's id and last change."""
    shown = "\n".join(f"{r['pk']}:{r['updated_at'].isoformat()}" for r in rows)
    return hashlib.sha256(shown.encode()).hexdigest()


def record_inbox_read(actor: Actor, ids: list, fingerprint: str, *, purpose: str = "inkorg") -> None:
    """The read of an inbox page served to this person, on record (``read_inbox_page``, and the page's rows
    served from the rendered rows the unit shares, ``cases.inbox_cache``): a self-refreshing inbox logs its
    read only when what it shows has changed (or after a while)."""
    audit.record_read(actor, OBJECT_TYPE, ids, purpose=purpose, fingerprint=fingerprint)


def inbox_etag(actor: Actor, *parts: object, include_closed: bool = False, version: str | None = None) -> str | None:
    """The weak ETag of the actor's inbox in one representation (``parts``: which one, which page), from
    the change stamps of its scope (one primary-key lookup); None for an actor without an inbox (the full
    read then refuses). The local date is part of it: rows say "i dag"/"i morgon" and whether a return
    case is inactive by the date. ``version``: the scope's stamps if already read (``selectors.inbox_version``)."""
    if not (actor.is_police and actor.unit_id):
        return None
    return conditional.weak_etag("inbox", *parts, include_closed, conditional.actor_scope(actor),
                                 timezone.localdate().isoformat(), translation.get_language() or "",
                                 version if version is not None else
                                 selectors.inbox_version(actor, include_closed=include_closed))


def case_etag(actor: Actor, public_id, *parts: object) -> str | None:
    """The weak ETag of a case's representation for this actor; None when the actor may not see it (the
    full read then refuses, on record)."""
    if not actor.is_police:
        return None
    version = selectors.case_version(actor, public_id)
    if version is None:
        return None
    return conditional.weak_etag("case", *parts, conditional.actor_scope(actor), version)


# --------------------------------------------------------------------------- the action registry


def offered_actions(actor: Actor, case: Case) -> list[kinds.Action]:
    """The actions to offer this person in this case now: allowed by the state and by ``may``."""
    spec = kinds.kind_of(case)
    out = []
    for action in spec.actions:
        if action.transition is not None and case.state not in spec.transitions.get(action.transition, {}):
            continue
        if action.may is not None and not action.may(actor, case):
            continue
        out.append(action)
    return out


def take_action(actor: Actor, case: Case, action: kinds.Action, data: Any) -> Case:
    """Take a registered action with already validated input (the web page and the API both come here).
    Returns the case as the step left it: the row the step locked and saved, else read afresh."""
    result = action.run(actor, case, data)
    if isinstance(result, Case) and result is not case:
        return result
    return Case.objects.select_related("unit", "region").get(pk=case.pk)
