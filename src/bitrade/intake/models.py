"""Requests for assistance (handräckningsbegäran) as received: persistence only."""

from __future__ import annotations

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from bitrade.cases.models import Case
from bitrade.organisation.models import ApiKey, Municipality, Person, RequestingOrganisation


class Channel(models.TextChoices):
    WEB = "web", _("Webbformulär")
    API = "api", _("API")
    ORAL = "oral", _("Muntlig (telefon)")
    # Registered by the police on behalf of an authority without an account:
    PHONE = "phone", _("Telefon, registrerad av polisen")
    FAX = "fax", _("Fax, registrerad av polisen")
    EMAIL = "email", _("E-post, registrerad av polisen")


#: The channels of a request the police register themselves.
POLICE_REGISTERED = frozenset({Channel.PHONE, Channel.FAX, Channel.EMAIL})


class Urgency(models.TextChoices):
    IMMEDIATE = "immediate", _("Omedelbart")
    URGENT = "urgent", _("Brådskande")
    NEAR_TERM = "near_term", _("Inom närtid")
    PLANNED = "planned", _("Planerad")


class ReviewOutcome(models.TextChoices):
    ADMISSIBLE = "admissible", _("Formellt komplett")
    NEEDS_COMPLETION = "needs_completion", _("Behöver kompletteras")
    INADMISSIBLE = "inadmissible", _("Uppfyller inte formella krav")


class AssistanceRequest(models.Model):
    """What the requesting authority asked for, as received and completed. The police handling of it
    (state, unit, decision, execution) is its ``case``."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case = models.OneToOneField(Case, on_delete=models.PROTECT, related_name="assistance_request")
    channel = models.CharField(_("kanal"), max_length=8, choices=Channel.choices)

    # Requesting party
    organisation = models.ForeignKey(RequestingOrganisation, on_delete=models.PROTECT, related_name="requests")
    submitted_by = models.ForeignKey(Person, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    api_key = models.ForeignKey(ApiKey, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    requester_name = models.CharField(_("begärd av"), max_length=200)
    requester_role = models.CharField(_("yrkesroll"), max_length=32)
    requester_phone = models.CharField(_("telefon dygnet runt"), max_length=40)
    requester_email = models.EmailField(_("e-post"), blank=True)

    # Legal basis
    legal_basis_text = models.CharField(_("lagrum som angivet"), max_length=300)
    legal_basis_key = models.CharField(_("lagrum"), max_length=32, blank=True, db_index=True)
    law = models.CharField(_("lag"), max_length=8, blank=True, db_index=True)

    # The person concerned
    person_identity_number = models.CharField(_("personnummer/samordningsnummer"), max_length=13, blank=True)
    person_name = models.CharField(_("namn"), max_length=200)
    person_birth_date = models.DateField(_("födelsedatum"), null=True, blank=True)
    person_age = models.PositiveSmallIntegerField(_("ålder vid begäran"), null=True, blank=True)
    protected_identity = models.BooleanField(_("skyddade personuppgifter"), default=False)

    location_address = models.CharField(_("adress där personen finns"), max_length=300)
    location_municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="+")
    destination = models.CharField(_("vårdinrättning/destination"), max_length=300, blank=True)

    measures = models.TextField(_("begärda åtgärder"))
    police_powers_reason = models.TextField(_("skäl till att polisens befogenheter behövs"), blank=True)
    person_avoids_examination = models.BooleanField(null=True, blank=True)
    requested_urgency = models.CharField(_("brådska"), max_length=16, choices=Urgency.choices)
    window_start = models.DateTimeField(_("tidigast"), null=True, blank=True)
    window_end = models.DateTimeField(_("senast"), null=True, blank=True)
    risks = models.JSONField(_("kända risker"), default=list, blank=True)
    risk_notes = models.TextField(_("riskbeskrivning"), blank=True)
    medication_handover = models.TextField(_("läkemedel att lämna över"), blank=True)
    wanted_notice_requested = models.BooleanField(_("efterlysning begärs"), default=False)
    oral_confirmation_due_at = models.DateTimeField(_("skriftlig bekräftelse senast"), null=True, blank=True)
    oral_confirmed_at = models.DateTimeField(_("skriftligen bekräftad"), null=True, blank=True)

    # Formal review
    review_outcome = models.CharField(_("formell granskning"), max_length=20, choices=ReviewOutcome.choices)
    review = models.JSONField(_("granskningsresultat"), default=dict)

    class Meta:
        verbose_name = _("begäran om handräckning")
        verbose_name_plural = _("begäranden om handräckning")

    def __str__(self) -> str:
        return f"Begäran {self.public_id}"


class Attachment(models.Model):
    request = models.ForeignKey(AssistanceRequest, on_delete=models.CASCADE, related_name="attachments")
    kind = models.CharField(_("typ av handling"), max_length=32)
    filename = models.CharField(_("filnamn"), max_length=200)
    content_type = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    file = models.FileField(upload_to="attachments/%Y/%m/")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("bilaga")
        verbose_name_plural = _("bilagor")

    def __str__(self) -> str:
        return self.filename


class CompletionQuestion(models.Model):
    """A komplettering: a specific question to the requester, answered in the same case."""

    request = models.ForeignKey(AssistanceRequest, on_delete=models.CASCADE, related_name="questions")
    check_code = models.CharField(max_length=40)
    field = models.CharField(max_length=40, blank=True)
    question = models.TextField()
    citation = models.CharField(max_length=100, blank=True)
    asked_at = models.DateTimeField()
    answer = models.TextField(blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    answered_by = models.ForeignKey(Person, on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    class Meta:
        verbose_name = _("kompletteringsfråga")
        verbose_name_plural = _("kompletteringsfrågor")
        ordering = ["asked_at", "id"]

    def __str__(self) -> str:
        return self.question[:60]


class StagedUpload(models.Model):
    """A document chosen in the new-request form before the form was accepted: kept (in the same storage
    as attachments) under the form's token for the person who chose it, so a validation error never makes
    them pick the file again. Attached and deleted when the request is sent; removed after a day otherwise."""

    form_token = models.CharField(max_length=32, db_index=True)
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    organisation = models.ForeignKey(RequestingOrganisation, on_delete=models.CASCADE, related_name="+")
    slot = models.PositiveSmallIntegerField()
    kind = models.CharField(_("typ av handling"), max_length=32)
    filename = models.CharField(_("filnamn"), max_length=200)
    content_type = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    file = models.FileField(upload_to="staged/%Y/%m/")
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("sparad bilaga i formulär")
        verbose_name_plural = _("sparade bilagor i formulär")
        constraints = [models.UniqueConstraint(fields=["form_token", "person", "slot"], name="staged_upload_slot")]

    def __str__(self) -> str:
        return self.filename
