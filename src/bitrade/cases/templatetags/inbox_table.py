"""The inbox table's rows, written in one pass.

The inbox is the page police keep open all shift and poll every 15 seconds, a hundred rows at a time: a
template loop spends most of the page's CPU resolving a dozen variables per row. This tag writes the same
markup from the presenter's rows (``presenters.inbox_page_rows``: every text already worked out), every value
escaped as the template would; ``cases/tests/test_inbox_table.py`` holds it to the template it replaces.
"""

from __future__ import annotations

from django import template
from django.utils.html import conditional_escape as esc
from django.utils.safestring import mark_safe
from django.utils.translation import gettext

register = template.Library()


@register.simple_tag
def inbox_rows(rows) -> str:
    """``<tr>`` per inbox row: reference (link, escalation, notes), priority, status, legal basis, person,
    arrival and the acknowledgement deadline."""
    return mark_safe("".join(row_markups(rows)))  # noqa: S308 - every value is escaped (row_markups)


def row_markups(rows) -> list[str]:
    """Each row's ``<tr>`` markup on its own (``inbox_rows`` joins them; ``cases.inbox_cache`` keeps them per
    row), every value escaped."""
    escalated = f' <span class="status warn">{esc(gettext("eskalerad"))}</span>'
    out = []
    for c in rows:
        notes = "".join(f' <span class="status warn" data-testid="inbox-note">{esc(n)}</span>'
                        for n in c.get("notes") or ())
        due = f'<span class="status warn">{esc(c["due_text"])}</span>' if c["due_text"] else "–"
        out.append(
            f'\n<tr><td><a href="{esc(c["url"])}">{esc(c["reference_number"])}</a>'
            f'{escalated if c["escalated"] else ""}{notes}</td><td>{esc(c["priority_label"])}</td>\n'
            f'<td><span class="status">{esc(c["status_label"])}</span></td><td>{esc(c["citation"] or "–")}</td>'
            f'<td>{esc(c["person_name"])}</td>\n<td>{esc(c["received_text"])}</td><td>{due}</td></tr>\n')
    return out
