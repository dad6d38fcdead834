"""How the API writes JSON: ninja's encoder, with a moment written to the millisecond it shows.

Django's encoder cuts a moment to milliseconds, but writes no fraction only when the microseconds are
all zero: 12:51:34.000412 becomes ``12:51:34.000Z``, and that text read back (12:51:34.000000) is written
``12:51:34Z``. An idempotent write's answer is stored as JSON and read back, so the same event would be
written one way in the answer and the other in a fresh read of the case. Here a moment is cut to the
millisecond first, so a moment written, read back and written again reads the same."""

from __future__ import annotations

import datetime
import json
from typing import Any

from ninja.renderers import JSONRenderer
from ninja.responses import NinjaJSONEncoder


class ApiJSONEncoder(NinjaJSONEncoder):
    def default(self, o: Any) -> Any:
        if isinstance(o, (datetime.datetime, datetime.time)) and o.microsecond % 1000:
            o = o.replace(microsecond=o.microsecond - o.microsecond % 1000)
        return super().default(o)


class ApiRenderer(JSONRenderer):
    encoder_class = ApiJSONEncoder


def plain(value: Any) -> Any:
    """``value`` as the API writes it, read back as plain JSON (what an idempotent write stores)."""
    return json.loads(json.dumps(value, cls=ApiJSONEncoder))
