"""The inbox table's rows tag writes exactly what the template loop it replaces wrote (escaping, notes,
escalation, empty citation and deadline), and the table says so when the inbox is empty."""

from __future__ import annotations

from django.template import Context, Template
from django.template.loader import render_to_string
from django.utils import translation

#: The loop the tag replaces, as the table's template had it.
LOOP = """{% load i18n %}{% for c in rows %}
<tr><td><a href="{{ c.url }}">{{ c.reference_number }}</a>{% if c.escalated %} <span class="status warn">{% translate "eskalerad" %}</span>{% endif %}{% for n in c.notes %} <span class="status warn" data-testid="inbox-note">{{ n }}</span>{% endfor %}</td><td>{{ c.priority_label }}</td>
<td><span class="status">{{ c.status_label }}</span></td><td>{{ c.citation|default:"–" }}</td><td>{{ c.person_name }}</td>
<td>{{ c.received_text }}</td><td>{% if c.due_text %}<span class="status warn">{{ c.due_text }}</span>{% else %}–{% endif %}</td></tr>
{% endfor %}"""

ROWS = [
    {"url": "/arenden/1/?a=1&b=2", "reference_number": "HR-1", "escalated": True,
     "notes": ["skriftlig bekräftelse senast 2026-12-05 18.30", "<b>"], "priority_label": "1 – omedelbart",
     "status_label": "Mottagen", "citation": "43 § LVU", "person_name": "Åsa \"Ö\" <Lund> & son",
     "received_text": "2026-12-05 01:00", "due_text": "i dag 18.30"},
    {"url": "/arenden/2/", "reference_number": "HR-2", "escalated": False, "notes": [], "priority_label": "Ordinär",
     "status_label": "Beviljad", "citation": "", "person_name": "Skyddad identitet",
     "received_text": "2026-12-04 23:59", "due_text": ""},
    {"url": "/arenden/3/", "reference_number": "RE-3", "escalated": False, "priority_label": "Kategori 1 · x",
     "status_label": "Öppet", "citation": "Preskriberas 2031-05-17", "person_name": "Kim O'Hara",
     "received_text": "2026-01-01 00:00", "due_text": ""},  # a kind without notes
]


def test_the_rows_tag_writes_what_the_loop_wrote():
    expected = Template(LOOP).render(Context({"rows": ROWS}))
    table = render_to_string("cases/_inbox.html", {"rows": ROWS})
    assert expected in table
    assert "&lt;Lund&gt; &amp; son" in table and "a=1&amp;b=2" in table and "&lt;b&gt;" in table


def test_an_empty_inbox_says_so():
    with translation.override("sv"):
        table = render_to_string("cases/_inbox.html", {"rows": []})
    assert '<tbody>\n<tr><td colspan="7">Inga öppna ärenden.</td></tr>\n\n</tbody>' in table
