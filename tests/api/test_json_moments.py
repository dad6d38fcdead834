"""A moment the API writes, read back and written again, reads the same (idempotent answers are stored as
JSON and replayed)."""

from __future__ import annotations

import datetime as dt
import json

from hypothesis import given
from hypothesis import strategies as st

from bitrade.common.jsonout import ApiJSONEncoder, plain

UTC = dt.UTC


def _write(value) -> str:
    return json.dumps(value, cls=ApiJSONEncoder)


@given(st.datetimes(min_value=dt.datetime(1990, 1, 1), max_value=dt.datetime(2100, 1, 1), timezones=st.just(UTC)))
def test_a_moment_written_read_back_and_written_again_reads_the_same(moment):
    once = plain({"at": moment})["at"]
    again = _write({"at": dt.datetime.fromisoformat(once)})
    assert again == json.dumps({"at": once})
    assert dt.datetime.fromisoformat(once) == moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def test_the_millisecond_is_written_when_there_is_one():
    at = dt.datetime(2026, 12, 5, 12, 51, 34, tzinfo=UTC)
    assert plain(at) == "2026-12-05T12:51:34Z"
    assert plain(at.replace(microsecond=412)) == "2026-12-05T12:51:34Z"
    assert plain(at.replace(microsecond=7_412)) == "2026-12-05T12:51:34.007Z"
    assert plain(dt.time(8, 30, 0, 999)) == "08:30:00"
