"""The knowledge base's pages: search, a paragraf in context, whole documents, guide pages for every
legal basis, and the JO register.  Thin: everything is read through ``selectors``."""

from __future__ import annotations

from django.shortcuts import render

from bitrade.organisation.auth import actor_required

from . import selectors
from .search import KIND_LABELS, MAX_QUERY_CHARS, SearchError

KIND_CHOICES = [("", "Alla slag")] + [(k, str(v).capitalize()) for k, v in KIND_LABELS.items()]
STATUS_CHOICES = [("", "Alla"), ("in_force", "Gällande"), ("expiring", "Upphör att gälla"),
                  ("repealed", "Upphävda")]


def _not_found(request, exc: selectors.NotFound):
    return render(request, "legal/not_found.html", {"message": str(exc)}, status=404)


@actor_required()
def search_page(request, actor):
    q = request.GET.get("q", "")
    kind = request.GET.get("slag", "")
    status = request.GET.get("status", "")
    context = {"q": q, "kind": kind, "status": status, "kind_choices": KIND_CHOICES,
               "status_choices": STATUS_CHOICES, "max_chars": MAX_QUERY_CHARS, "result": None, "error": ""}
    http_status = 200
    htmx = bool(request.headers.get("HX-Request"))
    # an empty query is an error when the form is sent, but not while someone is still typing (htmx)
    if q.strip() or ("q" in request.GET and not htmx):
        try:
            context["result"] = selectors.search(q, kinds=kind or None, statuses=status or None)
        except SearchError as exc:
            context["error"] = str(exc)
            http_status = 400
    template = "legal/_results.html" if htmx else "legal/search.html"
    if template == "legal/search.html" and not q:
        context["guides"] = selectors.guides()
        context["documents"] = selectors.documents()
    return render(request, template, context, status=http_status)


@actor_required()
def documents_page(request, actor):
    return render(request, "legal/documents.html", {"documents": selectors.documents(), "notes": selectors.notes()})


@actor_required()
def document_page(request, actor, key):
    try:
        doc, units = selectors.document(key)
    except selectors.NotFound as exc:
        return _not_found(request, exc)
    versions = list(doc.versions.order_by("-number"))
    return render(request, "legal/document.html", {"document": doc, "units": units, "versions": versions})


@actor_required()
def unit_page(request, actor, key, address):
    try:
        context = selectors.unit_in_context(key, address)
    except selectors.NotFound as exc:
        return _not_found(request, exc)
    return render(request, "legal/unit.html", {"c": context, "document": context.document, "unit": context.unit})


@actor_required()
def guides_page(request, actor):
    return render(request, "legal/guides.html", {"groups": selectors.guides()})


@actor_required()
def guide_page(request, actor, key):
    try:
        context = selectors.guide(key)
    except selectors.NotFound as exc:
        return _not_found(request, exc)
    return render(request, "legal/guide.html", {"g": context, "entry": context.entry})


@actor_required()
def provision_page(request, actor, law, section):
    try:
        context = selectors.provision(law, section)
    except selectors.NotFound as exc:
        return _not_found(request, exc)
    return render(request, "legal/provision.html", {"p": context})


@actor_required()
def notes_page(request, actor):
    return render(request, "legal/notes.html", {"notes": selectors.notes()})


@actor_required()
def note_page(request, actor, key):
    try:
        note = selectors.note(key)
    except selectors.NotFound as exc:
        return _not_found(request, exc)
    return render(request, "legal/note.html", {"note": note, "guides": selectors.note_guides(note)})
