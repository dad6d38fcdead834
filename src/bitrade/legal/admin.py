"""Administrators add JO decisions and internal guidelines and link them to legal bases and rules; every
change is audited (AuditedAdmin) and the entry is re-indexed so it appears in search at once.  The
imported documents are shown read only: they change only through `bitrade legal import`."""

from __future__ import annotations

from django import forms
from django.contrib import admin

from bitrade.audit.admin_mixins import AuditedAdmin, admin_actor

from . import services
from .catalogue import default_catalogue
from .citations import CitationSyntaxError, parse_citation
from .models import Document, DocumentVersion, LegalNote


def _list(value) -> list[str]:
    if isinstance(value, list):
        return [str(v).strip() for v in value if str(v).strip()]
    return [p.strip() for p in str(value or "").replace("\n", ",").split(",") if p.strip()]


class LegalNoteForm(forms.ModelForm):
    legal_bases = forms.CharField(
        label="Rättsliga grunder", required=False, widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Kommaseparerade nycklar ur katalogen (t.ex. LPT-47-2-3), lagar (LVU) eller * för alla.")
    citations = forms.CharField(
        label="Lagrum", required=False, widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Kommaseparerade lagrum, t.ex. ”17 § PL, 29 a § PL”.")

    class Meta:
        model = LegalNote
        fields = ["kind", "key", "reference", "title", "summary", "decided", "legal_bases", "citations", "rules",
                  "sources", "published"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance and self.instance.pk:
            self.initial["legal_bases"] = ", ".join(self.instance.legal_bases or [])
            self.initial["citations"] = ", ".join(self.instance.citations or [])

    def clean_legal_bases(self):
        values = _list(self.cleaned_data.get("legal_bases"))
        catalogue = default_catalogue()
        known = {e.key for e in catalogue} | {e.law for e in catalogue} | {"*"}
        unknown = [v for v in values if v not in known]
        if unknown:
            raise forms.ValidationError(f"Okända grunder: {', '.join(unknown)}. Använd nycklar som LPT-47-2-3, "
                                        "en lag (LPT, LRV, LVM, LVU) eller *.")
        return values

    def clean_citations(self):
        out = []
        for value in _list(self.cleaned_data.get("citations")):
            try:
                out.append(parse_citation(value).canonical)
            except CitationSyntaxError as exc:
                raise forms.ValidationError(str(exc)) from None
        return out


@admin.register(LegalNote)
class LegalNoteAdmin(AuditedAdmin):
    form = LegalNoteForm
    list_display = ("reference", "title", "kind", "published", "updated_at")
    list_filter = ("kind", "published")
    search_fields = ("reference", "title", "summary")
    prepopulated_fields = {"key": ("reference",)}

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        services.reindex_note(admin_actor(request), obj)


class VersionInline(admin.TabularInline):
    model = DocumentVersion
    fields = ("number", "imported_at", "source_name", "source_format", "content_hash", "unit_count")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Document)
class DocumentAdmin(admin.ModelAdmin):
    list_display = ("title", "identifier", "kind", "status", "updated_at")
    list_filter = ("kind", "status")
    search_fields = ("title", "identifier", "key")
    inlines = [VersionInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
