"""Citation links for every template: ``{% load legal_tags %}`` then

    {{ check.citation|cite_link }}    one citation ("47 § andra stycket 3 LPT", "JO 2014/15 s. 122") as a
                                      link to the knowledge base, or the plain text when nothing resolves;
                                      a text that is several citations ("… och …") gets one link each
    {{ check.message|cite_links }}    a running text with every citation and JO reference in it linked
    {{ citation|cite_url }}           just the URL ("" when nothing resolves)
"""

from __future__ import annotations

from django import template
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe

from .. import selectors

register = template.Library()


def _links(text: str) -> str:
    out = []
    for piece, url in selectors.link_citations(text):
        out.append(format_html('<a class="cite" href="{}">{}</a>', url, piece) if url else escape(piece))
    return "".join(out)


@register.filter
def cite_link(text) -> str:
    if text is None or text == "":
        return ""
    text = str(text)
    target = selectors.citation_target(text)
    if target.url:
        title = target.label or ("citerat i källorna" if target.external else "")
        return format_html('<a class="cite" href="{}" title="{}">{}</a>', target.url, title, text)
    return mark_safe(_links(text))


@register.filter
def cite_links(text) -> str:
    if text is None or text == "":
        return ""
    return mark_safe(_links(str(text)))


@register.filter
def cite_url(text) -> str:
    return selectors.citation_url(str(text or "")) or ""


@register.filter
def stycke_ordinal(number) -> str:
    from ..citations import ORDINALS

    try:
        n = int(number)
    except (TypeError, ValueError):
        return ""
    return ORDINALS[n - 1] if 1 <= n <= len(ORDINALS) else f"{n}:e"
