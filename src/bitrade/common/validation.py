"""Checks every input boundary shares: no control characters in text, dates within a sane range.

Text may hold tab, line feed and carriage return (a browser's textarea sends CR LF); every other C0
control character and DEL is refused, NUL above all (PostgreSQL cannot store it; SQLite would). Dates
and times outside 1900–2100 are refused before any arithmetic on them can overflow.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from pydantic import BaseModel, field_validator

CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
CONTROL_MESSAGE = ("Texten innehåller otillåtna tecken (styrtecken, t.ex. NUL); "
                   "bara vanlig text, tabb och radbrytning är tillåtna.")
EARLIEST_YEAR, LATEST_YEAR = 1900, 2100
DATE_RANGE_MESSAGE = f"Datumet ligger utanför det rimliga (år {EARLIEST_YEAR}–{LATEST_YEAR})."


def has_control_characters(text: str) -> bool:
    return CONTROL_CHARACTERS.search(text) is not None


def first_control_path(value: Any, path: tuple = ()) -> tuple | None:
    """The path (keys and indexes) of the first string holding a control character, in a JSON-like value."""
    if isinstance(value, str):
        return path if has_control_characters(value) else None
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(key, str) and has_control_characters(key):
                return (*path, key)
            found = first_control_path(item, (*path, key))
            if found is not None:
                return found
    elif isinstance(value, list | tuple):
        for i, item in enumerate(value):
            found = first_control_path(item, (*path, i))
            if found is not None:
                return found
    return None


def check_value(value: Any) -> Any:
    """Raises ValueError (a Swedish message) for control characters in text or an out-of-range date."""
    if isinstance(value, str):
        if has_control_characters(value):
            raise ValueError(CONTROL_MESSAGE)
    elif isinstance(value, date):  # datetime is a date too
        if not EARLIEST_YEAR <= value.year <= LATEST_YEAR:
            raise ValueError(DATE_RANGE_MESSAGE)
    elif isinstance(value, list | tuple | set | frozenset):
        for item in value:
            check_value(item)
    return value


class CheckedInput(BaseModel):
    """Mixin for every input schema: each field (of this model and of its subclasses) is checked by
    ``check_value`` after its own validation; nested models check their own fields."""

    @field_validator("*", mode="after")
    @classmethod
    def _checked(cls, value: Any) -> Any:
        return check_value(value)


__all__ = ["CONTROL_MESSAGE", "CheckedInput", "check_value", "first_control_path",
           "has_control_characters"]
