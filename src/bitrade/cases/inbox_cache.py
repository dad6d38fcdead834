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
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.utils import timezone, translation
from django.utils.safestring import SafeString

from bitrade.common.actor import POLICE, Actor

from . import kinds, presenters, selectors, services


def max_entries() -> int:
    """How many pages of rows a process keeps (``BITRADE_INBOX_ROWS_CACHE``, 256; 0 keeps none)."""
    from django.conf import settings

    return getattr(settings, "INBOX_ROWS_CACHE", 256)


@dataclass(frozen=True)
class Rows:
    """An inbox page's rows as served: the markup, and what the read log records of them."""

    html: SafeString
    ids: tuple[int, ...]
    fingerprint: str


_lock = threading.Lock()
_entries: OrderedDict[tuple, Rows] = OrderedDict()
stats = {"hits": 0, "misses": 0}


def clear() -> None:
    with _lock:
        _entries.clear()


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


def _render(reader: Actor) -> Rows:
    from .templatetags.inbox_table import inbox_rows

    rows = selectors.inbox_rows(reader, limit=selectors.INBOX_LIMIT)
    html = inbox_rows(presenters.inbox_page_rows(reader, rows)) if rows else SafeString("")
    return Rows(html=html, ids=tuple(r["pk"] for r in rows), fingerprint=services.inbox_fingerprint(rows))


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
