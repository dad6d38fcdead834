"""A form control's error, said next to it: ``{% invalid "f-x" %}`` marks the control (aria-invalid and
aria-describedby), ``{% field_error "f-x" %}`` writes the message the control points at."""

from __future__ import annotations

from django import template
from django.utils.html import format_html

register = template.Library()


def _message(context, control_id: str) -> str:
    return (context.get("field_errors") or {}).get(control_id, "")


@register.simple_tag(takes_context=True)
def invalid(context, control_id: str, hint_id: str = ""):
    if not _message(context, control_id):
        return format_html(' aria-describedby="{}"', hint_id) if hint_id else ""
    described = f"{control_id}-error {hint_id}".strip()
    return format_html(' aria-invalid="true" aria-describedby="{}"', described)


@register.simple_tag(takes_context=True)
def field_error(context, control_id: str):
    message = _message(context, control_id)
    if not message:
        return ""
    return format_html('<p class="field-error" id="{}-error">{}</p>', control_id, message)
