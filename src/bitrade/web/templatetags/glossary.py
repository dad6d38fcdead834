"""Template filters over the display glossary (``bitrade.common.labels``): a code reads as Swedish
text (English when the page is English), a time reads as words ("i morgon kl. 01.07")."""

from __future__ import annotations

from datetime import date, datetime

from django import template
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext

from bitrade.common import labels

register = template.Library()


@register.filter
def label(code, group: str):
    """{{ order.state|label:"transport_state" }}"""
    return gettext(labels.label(group, code))


@register.filter
def when(value, now=None):
    """{{ case.ack_due_at|when }} → "i morgon kl. 01.07" / "fredag 4 december kl. 18.30"."""
    if value in (None, ""):
        return gettext(labels.MISSING)
    if isinstance(value, str):
        parsed = parse_datetime(value)
        if parsed is None:
            return value
        value = parsed
    if isinstance(value, datetime):
        local = timezone.localtime(value) if timezone.is_aware(value) else value
        today = timezone.localtime(now or timezone.now())
        return labels.when_in_words(local, today)
    if isinstance(value, date):
        return labels.date_in_words(value)
    return value


@register.filter
def due_in_words(value):
    """A deadline: 'i dag 18.30', 'i morgon 01.07', or the date and time."""
    if value in (None, ""):
        return ""
    local = timezone.localtime(value)
    today = timezone.localtime(timezone.now()).date()
    return f"{labels.day_in_words(local.date(), today)} {labels.clock(local)}"


@register.filter
def transport_value(value, field: str = ""):
    """A value of a 29 a § order field as NTE reads it: times and dates in words, flags as ja/nej."""
    if isinstance(value, bool):
        return gettext("ja") if value else gettext("nej")
    if isinstance(value, str):
        if "T" in value:
            parsed = parse_datetime(value)
            if parsed is not None:
                return when(parsed)
        parsed_date = parse_date(value) if len(value) == 10 else None
        if parsed_date is not None:
            return labels.date_in_words(parsed_date)
    if value in (None, ""):
        return gettext(labels.MISSING)
    return value
