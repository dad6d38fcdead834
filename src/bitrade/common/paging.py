"""Paging of lists that grow: an opaque cursor (the sort key of the last item shown) and a bounded limit.

A cursor is base64 of the JSON list of the last item's sort key; the next page starts after it, so
items added meanwhile neither repeat nor shift the page (unlike an offset). Every list endpoint takes
its parameters from here, so the bounds are one place.
"""

from __future__ import annotations

import base64
import binascii
import json
from functools import cache
from urllib.parse import urlencode

from .errors import DomainError

LIMIT_MIN = 1
LIMIT_MAX = 200
LIMIT_DEFAULT = 50
CURSOR_MAX_LENGTH = 500

LIMIT_DESCRIPTION = f"Antal poster per sida, {LIMIT_MIN}–{LIMIT_MAX}."
CURSOR_DESCRIPTION = ("Fortsätt efter föregående sida: värdet från svarets `Link: <…>; rel=\"next\"` "
                      "(även i `X-Next-Cursor`). Ogenomskinligt; stabilt när nya poster tillkommer.")
LINK_HEADERS = {
    "Link": {"description": "Nästa sida: `<url>; rel=\"next\"` (saknas på sista sidan).",
             "schema": {"type": "string"}},
    "X-Next-Cursor": {"description": "Markören till nästa sida (saknas på sista sidan).",
                      "schema": {"type": "string"}},
    "ETag": {"description": "Svag validerare; skicka den i `If-None-Match` för att få 304 när inget ändrats.",
             "schema": {"type": "string"}},
}


class PagingError(DomainError):
    status = 422


def check_limit(limit: int) -> int:
    if not (LIMIT_MIN <= limit <= LIMIT_MAX):
        raise PagingError(f"limit ska vara {LIMIT_MIN}–{LIMIT_MAX}.", field="limit")
    return limit


def encode_cursor(key: list) -> str:
    raw = json.dumps(key, separators=(",", ":"), default=str).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(token: str | None, arity: int) -> list | None:
    """The sort key in a cursor, or None for the first page; a malformed cursor is a 422 on ``cursor``."""
    if not token:
        return None
    bad = PagingError("Ogiltig markör: använd värdet från föregående svar.", field="cursor")
    if len(token) > CURSOR_MAX_LENGTH:
        raise bad
    try:
        key = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise bad from None
    if not isinstance(key, list) or len(key) != arity or not all(isinstance(v, (str, int)) for v in key):
        raise bad
    return key


def next_link(path: str, limit: int, cursor: str) -> str:
    return f'<{path}?{urlencode({"limit": limit, "cursor": cursor})}>; rel="next"'


def page_headers(response, path: str, limit: int, cursor: str | None) -> None:
    """Link and X-Next-Cursor on a page that has a next one."""
    if cursor:
        response["Link"] = next_link(path, limit, cursor)
        response["X-Next-Cursor"] = cursor


@cache
def _fields(schema) -> tuple[tuple[str, bool, object], ...]:
    return tuple((name, f.is_required(), None if f.is_required() else f.get_default())
                 for name, f in schema.model_fields.items())


def lean_rows(rows, schema) -> list[dict]:
    """The rows with exactly the fields of the documented row schema (in its order, its defaults for what a
    row leaves out): what the schema's validation would have kept, without validating every row again."""
    fields = _fields(schema)
    return [{name: row[name] if required or name in row else default for name, required, default in fields}
            for row in rows]


def lean_page(request, response, rows, schema):
    """A page of a list endpoint whose rows the server built itself (already of the right types): rendered
    as the API renders JSON (ninja's renderer) straight from ``lean_rows``, its headers (``response``: ETag,
    Link) kept. The endpoint still declares ``list[schema]``, so the OpenAPI document is unchanged; a test
    validates a served page against the schema, so the two cannot drift."""
    from bitrade.common.jsonout import ApiRenderer

    response.content = ApiRenderer().render(request, lean_rows(rows, schema), response_status=200)
    return response
