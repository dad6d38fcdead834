"""The legal knowledge base: documents in versions, their addressable units, the JO register and
internal guidelines, and the search index derived from them.

``Document`` is a source's stable identity ("sfs-1984-387"); every import of a
changed text makes a new ``DocumentVersion`` with its own ``Unit`` rows, and
the document points at its current version.  ``SearchEntry``, ``Term`` and
``Quotation`` are derived (rebuilt by ``services.rebuild_index``) and hold
nothing that cannot be computed again.  The full-text indexes live beside
``SearchEntry``: an FTS5 table on SQLite, a ``tsvector`` column with a GIN index
on PostgreSQL (see migration 0002).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class DocumentKind(models.TextChoices):
    STATUTE = "statute", _("lag")
    ORDINANCE = "ordinance", _("förordning")
    REGULATION = "regulation", _("föreskrifter")
    REPORT = "report", _("rapport")


class DocumentStatus(models.TextChoices):
    IN_FORCE = "in_force", _("gällande")
    PARTLY_EXPIRING = "partly_expiring", _("gällande, delvis tidsbegränsad")
    REPEALED = "repealed", _("upphävd")


class UnitStatus(models.TextChoices):
    IN_FORCE = "in_force", _("gällande")
    EXPIRING = "expiring", _("upphör att gälla")
    COMING = "coming", _("ännu inte i kraft")
    REPEALED = "repealed", _("upphävd")


class UnitKind(models.TextChoices):
    SECTION = "section", _("paragraf")
    TRANSITIONAL = "transitional", _("övergångsbestämmelse")
    PREAMBLE = "preamble", _("ingress")
    REPORT_SECTION = "report_section", _("avsnitt")


class Document(models.Model):
    key = models.SlugField(_("nyckel"), max_length=80, unique=True)
    kind = models.CharField(_("slag"), max_length=20, choices=DocumentKind.choices)
    title = models.CharField(_("titel"), max_length=300)
    identifier = models.CharField(_("beteckning"), max_length=120, help_text=_("t.ex. SFS 1984:387"))
    law_code = models.CharField(_("lagförkortning"), max_length=16, blank=True)
    sfs = models.CharField(_("SFS-nummer"), max_length=20, blank=True)
    publisher = models.CharField(_("utgivare"), max_length=120, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=DocumentStatus.choices,
                              default=DocumentStatus.IN_FORCE)
    status_note = models.CharField(_("statuskommentar"), max_length=300, blank=True)
    issued_on = models.DateField(_("utfärdad"), null=True, blank=True)
    in_force_from = models.DateField(_("i kraft från"), null=True, blank=True)
    amended_to = models.CharField(_("ändrad till och med"), max_length=20, blank=True)
    repealed_by = models.CharField(_("upphävd genom"), max_length=20, blank=True)
    current_version = models.ForeignKey("DocumentVersion", verbose_name=_("gällande version"), null=True,
                                        blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("rättskälla")
        verbose_name_plural = _("rättskällor")
        ordering = ["kind", "title"]

    def __str__(self) -> str:
        return f"{self.title} ({self.identifier})"


class DocumentVersion(models.Model):
    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    content_hash = models.CharField(_("kontrollsumma (SHA-256)"), max_length=64)
    source_name = models.CharField(_("källfil"), max_length=255)
    source_format = models.CharField(_("format"), max_length=20)
    imported_at = models.DateTimeField(_("importerad"), auto_now_add=True)
    unit_count = models.PositiveIntegerField(_("antal enheter"), default=0)

    class Meta:
        verbose_name = _("version")
        verbose_name_plural = _("versioner")
        ordering = ["document", "-number"]
        constraints = [models.UniqueConstraint(fields=["document", "number"], name="legal_version_unique_number")]

    def __str__(self) -> str:
        return f"{self.document.key} v{self.number}"


class Unit(models.Model):
    """A paragraf, a transitional provision, a preamble or a report section, at a stable address."""

    version = models.ForeignKey(DocumentVersion, on_delete=models.CASCADE, related_name="units")
    ordinal = models.PositiveIntegerField()
    address = models.CharField(_("adress"), max_length=80)
    kind = models.CharField(_("slag"), max_length=20, choices=UnitKind.choices)
    chapter = models.CharField(_("kapitel"), max_length=10, blank=True)
    section = models.CharField(_("paragraf eller avsnitt"), max_length=20, blank=True)
    title = models.CharField(_("rubrik"), max_length=300, blank=True)
    heading = models.CharField(_("överordnad rubrik"), max_length=400, blank=True)
    text = models.TextField(_("text"), blank=True)
    advice = models.TextField(_("allmänna råd"), blank=True)
    structure = models.JSONField(_("stycken och punkter"), default=list)
    notes = models.JSONField(_("fotnoter"), default=list, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=UnitStatus.choices, default=UnitStatus.IN_FORCE)
    status_note = models.CharField(_("statuskommentar"), max_length=300, blank=True)
    expires_on = models.DateField(_("upphör att gälla"), null=True, blank=True)
    amended_by = models.CharField(_("senast ändrad genom"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("enhet")
        verbose_name_plural = _("enheter")
        ordering = ["version", "ordinal"]
        constraints = [models.UniqueConstraint(fields=["version", "address"], name="legal_unit_unique_address")]
        indexes = [models.Index(fields=["version", "chapter", "section"], name="legal_unit_section_idx")]

    def __str__(self) -> str:
        return f"{self.version.document.key}#{self.address}"


class NoteKind(models.TextChoices):
    JO_DECISION = "jo_decision", _("JO-beslut")
    GUIDELINE = "guideline", _("intern riktlinje")


class LegalNote(models.Model):
    """A JO decision or an internal guideline, in our own words, linked to legal bases and rules.

    ``legal_bases`` holds catalogue keys ("LPT-47-2-3"), law codes ("LVU") or
    "*" (every legal basis); ``citations`` holds statute citations it concerns
    ("17 § PL"); ``rules`` holds {"code", "text"} for the rules in Biträde it motivates.
    """

    kind = models.CharField(_("slag"), max_length=20, choices=NoteKind.choices, default=NoteKind.JO_DECISION)
    key = models.SlugField(_("nyckel"), max_length=80, unique=True)
    reference = models.CharField(_("referens"), max_length=120, help_text=_("t.ex. JO 2014/15 s. 122"))
    title = models.CharField(_("rubrik"), max_length=300)
    summary = models.TextField(_("sammanfattning"))
    decided = models.CharField(_("år eller datum"), max_length=40, blank=True)
    legal_bases = models.JSONField(_("rättsliga grunder"), default=list, blank=True)
    citations = models.JSONField(_("lagrum"), default=list, blank=True)
    rules = models.JSONField(_("regler i Biträde"), default=list, blank=True)
    sources = models.JSONField(_("källor"), default=list, blank=True)
    published = models.BooleanField(_("publicerad"), default=True)
    seed_hash = models.CharField(max_length=64, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("JO-beslut eller riktlinje")
        verbose_name_plural = _("JO-beslut och riktlinjer")
        ordering = ["kind", "reference"]

    def __str__(self) -> str:
        return f"{self.reference} – {self.title}"


class EntryKind(models.TextChoices):
    STATUTE = "statute", _("lag")
    ORDINANCE = "ordinance", _("förordning")
    REGULATION = "regulation", _("föreskrifter")
    REPORT = "report", _("rapport")
    GUIDE = "guide", _("vägledning")
    JO_DECISION = "jo_decision", _("JO-beslut")
    GUIDELINE = "guideline", _("intern riktlinje")


class SearchEntry(models.Model):
    """One searchable text: a unit (a report section in pieces of one stycke), a guide page, a JO
    decision or a guideline.  ``group_key`` collapses the pieces of one unit in the results."""

    kind = models.CharField(max_length=20, choices=EntryKind.choices)
    status = models.CharField(max_length=20, choices=UnitStatus.choices, default=UnitStatus.IN_FORCE)
    group_key = models.CharField(max_length=160)
    document = models.ForeignKey(Document, null=True, on_delete=models.CASCADE, related_name="+")
    unit = models.ForeignKey(Unit, null=True, on_delete=models.CASCADE, related_name="+")
    note = models.ForeignKey(LegalNote, null=True, on_delete=models.CASCADE, related_name="+")
    guide_key = models.CharField(max_length=40, blank=True)
    law_code = models.CharField(max_length=16, blank=True)
    chapter = models.CharField(max_length=10, blank=True)
    section = models.CharField(max_length=20, blank=True)
    stycke = models.PositiveIntegerField(null=True)
    title = models.CharField(max_length=400)
    index_title = models.TextField(default="", help_text="The title as indexed: headings and names, "
                                                         "without paragraf numbers or citations.")
    source = models.CharField(max_length=160)
    url = models.CharField(max_length=300)
    body = models.TextField()
    title_stems = models.TextField()
    body_stems = models.TextField()
    extra = models.TextField()
    length = models.PositiveIntegerField()

    class Meta:
        verbose_name = _("sökpost")
        verbose_name_plural = _("sökposter")
        indexes = [
            models.Index(fields=["law_code", "chapter", "section"], name="legal_entry_citation_idx"),
            models.Index(fields=["guide_key"], name="legal_entry_guide_idx"),
        ]

    def __str__(self) -> str:
        return self.title


class Term(models.Model):
    """The corpus vocabulary: each word with its stem and the root its stem conflates to, and the
    two parts when the word is a compound of two corpus words."""

    word = models.CharField(max_length=80, unique=True)
    stem = models.CharField(max_length=80, db_index=True)
    root = models.CharField(max_length=80)
    parts = models.CharField(max_length=170, blank=True)

    def __str__(self) -> str:
        return self.word


class Quotation(models.Model):
    """A passage of a guidance document that quotes a provision of a law we do not hold in full
    (47 § andra stycket LPT as the supervision report quotes it)."""

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="quotations")
    stycke = models.PositiveIntegerField()
    law_code = models.CharField(max_length=16)
    section = models.CharField(max_length=20)
    paragraph = models.PositiveIntegerField(null=True)
    text = models.TextField()
    points = models.JSONField(default=list)
    following = models.TextField(blank=True)

    class Meta:
        ordering = ["law_code", "section", "paragraph", "id"]

    def __str__(self) -> str:
        return f"{self.section} § {self.law_code} ({self.unit})"
