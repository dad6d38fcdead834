"""Turning validation errors into Swedish messages that name the field."""

from __future__ import annotations

from pydantic import BaseModel, Field

_MESSAGES = {
    "missing": "Fältet är obligatoriskt.",
    "string_too_short": "Texten är för kort.",
    "string_too_long": "Texten är för lång.",
    "string_type": "Ange en text.",
    "int_parsing": "Ange ett heltal.",
    "int_type": "Ange ett heltal.",
    "bool_parsing": "Ange sant eller falskt.",
    "bool_type": "Ange sant eller falskt.",
    "date_from_datetime_parsing": "Ange ett datum (ÅÅÅÅ-MM-DD).",
    "date_parsing": "Ange ett datum (ÅÅÅÅ-MM-DD).",
    "date_type": "Ange ett datum (ÅÅÅÅ-MM-DD).",
    "datetime_parsing": "Ange datum och tid (ÅÅÅÅ-MM-DDTHH:MM, med tidszon).",
    "datetime_from_date_parsing": "Ange datum och tid (ÅÅÅÅ-MM-DDTHH:MM, med tidszon).",
    "datetime_type": "Ange datum och tid (ÅÅÅÅ-MM-DDTHH:MM, med tidszon).",
    "timezone_aware": "Ange tiden med tidszon.",
    "enum": "Värdet är inte ett av de tillåtna.",
    "literal_error": "Värdet är inte ett av de tillåtna.",
    "list_type": "Ange en lista.",
    "dict_type": "Ange ett objekt.",
    "model_type": "Ange ett objekt.",
    "model_attributes_type": "Ange ett objekt.",
    "extra_forbidden": "Fältet är okänt.",
    "too_long": "För många värden.",
    "too_short": "För få värden.",
    "greater_than_equal": "Värdet är för litet.",
    "less_than_equal": "Värdet är för stort.",
    "json_invalid": "Begäran är inte giltig JSON.",
    "uuid_parsing": "Ange ett giltigt id.",
    "uuid_type": "Ange ett giltigt id.",
    "url_parsing": "Ange en giltig adress.",
    "value_error": None,  # our own validators already speak Swedish
    "assertion_error": None,
}

_LOCATIONS = {"body", "query", "path", "header", "cookie", "form", "file", "payload", "data"}


def field_path(loc) -> str:
    parts = [str(p) for p in loc if str(p) not in _LOCATIONS]
    return ".".join(parts) or "body"


def swedish_validation_errors(errors: list[dict]) -> list[dict]:
    out = []
    for e in errors:
        kind = e.get("type", "")
        message = _MESSAGES.get(kind)
        if message is None:
            raw = str(e.get("msg", ""))
            message = raw.removeprefix("Value error, ").removeprefix("Assertion failed, ") or "Ogiltigt värde."
            if kind not in _MESSAGES:
                message = "Ogiltigt värde."
        out.append({"field": field_path(e.get("loc", ())), "code": kind, "message": message})
    return out


class DomainError(Exception):
    """A refused write or bad input found by a rule or a service: a message in Swedish for a person,
    the field it concerns (where there is one), the statute it rests on, and the HTTP status the API
    answers with. The API and the web pages turn every ``DomainError`` into an answer in one place."""

    status = 422
    field = ""

    def __init__(self, message: str, *, field: str = "", status: int | None = None, citation: str | None = None,
                 checks: tuple = ()):
        super().__init__(message)
        self.message = message
        self.field = field or self.field
        self.status = status or self.status
        self.citation = citation
        self.checks = tuple(checks)

    def errors(self) -> list[dict]:
        if self.checks:
            return [{"field": self.field or "", "code": c.code, "message": c.message, "citation": c.citation}
                    for c in self.checks]
        return [{"field": self.field or "body", "code": "invalid", "message": self.message,
                 "citation": self.citation}]

    def as_response(self) -> dict:
        return {"detail": self.message, "citation": self.citation, "errors": self.errors()}


class ErrorItem(BaseModel):
    field: str = ""
    code: str = ""
    message: str
    citation: str | None = None


class ErrorOut(BaseModel):
    """The one shape of every API error answer."""

    detail: str
    citation: str | None = None
    errors: list[ErrorItem] = Field(default_factory=list)
