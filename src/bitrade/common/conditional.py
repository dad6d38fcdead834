"""Conditional GET: a weak ETag from a cheap fingerprint, and 304 Not Modified when the client has it.

A view computes its fingerprint *before* building the page (a small query, never the page itself), asks
``not_modified`` and answers 304 at once — no page, no audit event (nothing personal was shown). When it
does serve the content, it tags the response with the same ETag (``tag``). Responses carry personal
data, so they are not stored by browsers or proxies (``no-store``); a client that wants 304s keeps the
last ETag itself and sends it in ``If-None-Match`` (the htmx inbox does, see web/static/web/poll.js).
"""

from __future__ import annotations

import hashlib

from django.http import HttpResponse, HttpResponseNotModified
from django.middleware.csrf import get_token

#: Bumped when a representation changes shape, so old validators never match new pages.
REPRESENTATION_VERSION = "1"


def weak_etag(*parts: object) -> str:
    digest = hashlib.sha256("\x1f".join([REPRESENTATION_VERSION, *map(str, parts)]).encode()).hexdigest()
    return f'W/"{digest[:32]}"'


def _opaque(tag: str) -> str:
    tag = tag.strip()
    return tag[2:] if tag.startswith("W/") else tag


def matches(request, etag: str) -> bool:
    """Whether If-None-Match names this ETag (weak comparison, RFC 9110 §13.1.2)."""
    header = request.headers.get("If-None-Match", "")
    if not header:
        return False
    if header.strip() == "*":
        return True
    mine = _opaque(etag)
    return any(_opaque(t) == mine for t in header.split(","))


NO_STORE = "private, no-store"
#: For a whole page a browser may keep and revalidate on every visit (reload, back): never shown unchecked.
REVALIDATE = "private, no-cache"


def tag(response: HttpResponse, etag: str, cache_control: str = NO_STORE) -> HttpResponse:
    response["ETag"] = etag
    response["Cache-Control"] = cache_control
    return response


def not_modified(request, etag: str, cache_control: str = NO_STORE) -> HttpResponse | None:
    """A 304 if the client already has this version, else None (serve the content and ``tag`` it)."""
    if request.method not in ("GET", "HEAD") or not matches(request, etag):
        return None
    return tag(HttpResponseNotModified(), etag, cache_control)


def page_scope(request) -> str:
    """What else a whole HTML page depends on: its CSRF token (a page kept from before a new login must not
    be reused) and its language."""
    get_token(request)  # the page's forms need it anyway; a first visit gets its secret here, not later
    return f"{request.META.get('CSRF_COOKIE', '')}|{getattr(request, 'LANGUAGE_CODE', '')}"


def actor_scope(actor) -> str:
    """Who the representation is for: the same page differs between units, organisations and people."""
    fields = actor.audit_fields() if hasattr(actor, "audit_fields") else {}
    functions = ",".join(sorted(getattr(actor, "functions", ()) or ()))
    return "|".join(str(fields.get(k) or "") for k in (
        "actor_kind", "actor_person_id", "actor_unit_id", "actor_organisation_id", "actor_api_key_id")) + \
        f"|{getattr(actor, 'capacity_key', '')}|{functions}"
