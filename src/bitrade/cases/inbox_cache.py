"""The inbox table's rows, rendered once per unit scope and change stamp and shared by the unit's members.

Every member of a unit acting in the same capacity sees the same inbox rows until a change stamp of the
scope moves (``cases.stamps``): the rows a poll renders for one of them are the rows every other would
render. So a poll that is not a 304 (the stamp moved since that person's last poll) reads and renders the
rows only if no one of the unit did so since the change; the others are served the kept markup.

What is kept, and what is not:

* only the table's rows (``<tr>`` markup), never a page: no CSRF token, name, menu or message;
* the key is everything the rows can depend on: the unit, its kind, region and police area, the capacity's
  functions, every stamp of the scope, the local date, the language and the registered kinds. The rows are
  read and presented for a *unit actor* built from exactly those fields (no person), so what is kept cannot
  carry anything of the person who happened to read it first;
* a person who is part of a scope of their own (``p:<person id>``, a contact ban's contact person) whose
  stamp has ever moved is never served shared rows: their inbox is read for them alone, as before. A person
  whose own stamp has never moved has no such part (its triggers bump it whenever a row names them);
* the read stays on record per person exactly as before: each person served the rows gets the read event
  (``services.record_inbox_read``, with the same ids and fingerprint, so the self-refreshing dedup is the
  same), whether the rows were rendered for them or kept.

Bounded (``max_entries``, least recently used first out); a moved stamp makes a new key, the old one ages
out. Per process: nothing is shared between processes.

**Each row's markup, kept per row.** A poll after a change (the stamp moved: the page above is not kept)
still reads the page's rows from the database, but writes the markup only of the rows whose values changed:
a row's ``<tr>`` is kept per process keyed on

* every value the page's query read for the row (``selectors.INBOX_COLUMNS`` and the kinds' ``inbox_values``:
  the case's last change, state, deadline, person, protected identity, legal basis …), with their names;
* every field of the actor the row is presented for (``_reader_bits``: kind, person, unit, its kind, region,
  police area, organisation, role, functions, capacity; all but the display name, which no row shows): a row
  kept for one unit or capacity is never served to another, nor a person's own row to anyone else;
* the local date and the time zone (a deadline reads "i dag"/"i morgon", a return case is inactive by the
  date), the language, and the registered kinds.

A row's markup is written from exactly those (``presenters.inbox_page_rows`` and the ``inbox_rows`` tag take
the actor and the row's values, and the clock only through the local date), so a kept row is the markup the
row would get now. Bounded (``row_entries``, ``BITRADE_INBOX_ROW_MARKUP_CACHE``, 10,000 rows; 0 keeps none),
least recently used first out.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from dataclasses import dataclass, fields

from django.core.exceptions import PermissionDenied
from django.utils import timezone, translation
from django.utils.safestring import SafeString, mark_safe

from bitrade.common.actor import POLICE, Actor

from . import kinds, presenters, selectors, services


def max_entries() -> int:
    """How many pages of rows a process keeps (``BITRADE_INBOX_ROWS_CACHE``, 256; 0 keeps none)."""
    from django.conf import settings

    return getattr(settings, "INBOX_ROWS_CACHE", 256)


def row_entries() -> int:
    """How many rows' markup a process keeps (``BITRADE_INBOX_ROW_MARKUP_CACHE``, 10,000; 0 keeps none)."""
    from django.conf import settings

    value = getattr(settings, "INBOX_ROW_MARKUP_CACHE", None)
    return int(value if value is not None else os.environ.get("BITRADE_INBOX_ROW_MARKUP_CACHE", "10000"))


@dataclass(frozen=True)
class Rows:
    """An inbox page's rows as served: the markup, and what the read log records of them."""

    html: SafeString
    ids: tuple[int, ...]
    fingerprint: str


_lock = threading.Lock()
_entries: OrderedDict[tuple, Rows] = OrderedDict()
_row_entries: OrderedDict[tuple, str] = OrderedDict()
stats = {"hits": 0, "misses": 0, "rows_kept": 0, "rows_written": 0}


def clear() -> None:
    with _lock:
        _entries.clear()
        _row_entries.clear()


def _unit_actor(actor: Actor) -> Actor:
    """The actor the shared rows are read for: the unit and capacity, no person."""
    return Actor(kind=POLICE, label="", unit_id=actor.unit_id, unit_kind=actor.unit_kind, region_id=actor.region_id,
                 police_area_id=actor.police_area_id, functions=actor.functions)


def shared_key(actor: Actor, found: dict[str, int]) -> tuple | None:
    """The key of the actor's rows among the unit's (``found``: the scope's stamps), or None when the person
    has a part of the scope of their own (their rows are then read for them alone)."""
    if not (actor.is_police and actor.unit_id):
        return None
    own = f"p:{actor.person_id}"
    if found.get(own):
        return None
    stamps = tuple((k, v) for k, v in found.items() if k != own)
    if any(k.startswith("p:") for k, _ in stamps):
        return None  # a part of some other person's: not a unit's inbox
    return ("inbox-rows", actor.unit_id, actor.unit_kind, actor.region_id, actor.police_area_id,
            tuple(sorted(actor.functions or ())), stamps, timezone.localdate().isoformat(),
            translation.get_language() or "", tuple(map(id, kinds.all_kinds())))


def _reader_bits(reader: Actor) -> tuple:
    """Every field of the actor a row is presented for, but its display name (no row shows it)."""
    return tuple(tuple(sorted(value)) if isinstance(value, frozenset | set) else value
                 for value in (getattr(reader, f.name) for f in fields(reader) if f.name != "label"))


def _row_context(reader: Actor, rows: list[dict]) -> tuple:
    """What every row's markup on this page depends on besides its own values (see the module's text)."""
    return (_reader_bits(reader), tuple(rows[0]), timezone.localdate().isoformat(),
            timezone.get_current_timezone_name(), translation.get_language() or "", tuple(map(id, kinds.all_kinds())))


def rows_markup(reader: Actor, rows: list[dict]) -> SafeString:
    """The ``<tr>`` markup of these rows (as ``selectors.inbox_rows`` read them) presented for ``reader``: a
    row whose values, reader, date and language were written before is taken as kept; only the others are
    presented and written."""
    from .templatetags.inbox_table import inbox_rows, row_markups

    if not rows:
        return SafeString("")
    size = row_entries()
    if size <= 0:
        return inbox_rows(presenters.inbox_page_rows(reader, rows))
    context = _row_context(reader, rows)
    keys: list[tuple | None] = []
    for r in rows:
        key = (context, tuple(r.values()))
        try:
            hash(key)
        except TypeError:  # a value that cannot be a key (a JSON list or object): written every time
            key = None
        keys.append(key)
    with _lock:
        parts = [_row_entries.get(k) if k is not None else None for k in keys]
        for k, part in zip(keys, parts, strict=True):
            if part is not None:
                _row_entries.move_to_end(k)
    missing = [i for i, part in enumerate(parts) if part is None]
    if missing:
        written = presenters.inbox_page_rows(reader, [rows[i] for i in missing])
        for i, markup in zip(missing, row_markups(written), strict=True):
            parts[i] = markup
        with _lock:
            for i in missing:
                if keys[i] is not None:
                    _row_entries[keys[i]] = parts[i]
            while len(_row_entries) > size:
                _row_entries.popitem(last=False)
    stats["rows_kept"] += len(rows) - len(missing)
    stats["rows_written"] += len(missing)
    return mark_safe("".join(parts))  # noqa: S308 - each part is row_markups' escaped markup


def _render(reader: Actor) -> Rows:
    rows = selectors.inbox_rows(reader, limit=selectors.INBOX_LIMIT)
    return Rows(html=rows_markup(reader, rows), ids=tuple(r["pk"] for r in rows),
                fingerprint=services.inbox_fingerprint(rows))


def rows_for(actor: Actor, found: dict[str, int]) -> Rows:
    """The actor's inbox rows (the first page), their read on record for this person."""
    if not actor.is_police:
        raise PermissionDenied("Inkorgen är polisens.")
    key = shared_key(actor, found) if max_entries() > 0 else None
    hit = None
    if key is not None:
        with _lock:
            hit = _entries.get(key)
            if hit is not None:
                _entries.move_to_end(key)
    if hit is None:
        stats["misses"] += 1
        hit = _render(_unit_actor(actor) if key is not None else actor)
        if key is not None:
            with _lock:
                _entries[key] = hit
                _entries.move_to_end(key)
                while len(_entries) > max_entries():
                    _entries.popitem(last=False)
    else:
        stats["hits"] += 1
    services.record_inbox_read(actor, list(hit.ids), hit.fingerprint)
    return hit
