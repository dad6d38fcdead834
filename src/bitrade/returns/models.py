"""Return enforcement: the case's detail (one-to-one with ``cases.Case``) and what happens in it."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from bitrade.cases.models import Case
from bitrade.organisation.models import ApiKey, Municipality, RequestingOrganisation

from . import rules


def _choices(mapping: dict) -> list[tuple[str, str]]:
    return list(mapping.items())


class ReturnCase(models.Model):
    """What the Police hold on one removal decision to enforce (the kernel's case holds state and unit)."""

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="return_case")
    origin = models.CharField(_("källa"), max_length=16, choices=_choices(rules.ORIGINS))
    source_reference = models.CharField(_("källans referens"), max_length=64, blank=True,
                                        help_text=_("Migrationsverkets ärende-id, domstolens målnummer …"))
    source_organisation = models.ForeignKey(RequestingOrganisation, on_delete=models.PROTECT, null=True,
                                            blank=True, related_name="+")
    previous = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="reopened",
                                 verbose_name=_("tidigare ärende"))

    # Person
    person_name = models.CharField(_("namn"), max_length=200)
    date_of_birth = models.DateField(_("födelsedatum"), null=True, blank=True)
    sex = models.CharField(_("kön"), max_length=8, blank=True)
    identity_status = models.CharField(_("identitet"), max_length=16, choices=_choices(rules.IDENTITY))
    nationality = models.CharField(_("medborgarskap"), max_length=2, blank=True)
    destination_country = models.CharField(_("mottagarland"), max_length=2, blank=True)
    destination_stance = models.CharField(_("mottagarlandets inställning"), max_length=16, blank=True,
                                          choices=_choices(rules.STANCES))
    travel_document_kind = models.CharField(_("resehandling"), max_length=40, blank=True)
    travel_document_valid_until = models.DateField(_("resehandlingen gäller till"), null=True, blank=True)
    family_with_children = models.BooleanField(_("barnfamilj"), default=False)
    whereabouts_known = models.BooleanField(_("vistelseort känd"), null=True)
    whereabouts_municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, null=True, blank=True,
                                                 related_name="+")
    whereabouts_text = models.TextField(_("senast kända vistelse"), blank=True)

    # Decision
    decision_type = models.CharField(_("beslut"), max_length=24, choices=_choices(rules.DECISION_TYPES))
    deciding_body = models.CharField(_("beslutande"), max_length=32, choices=_choices(rules.DECIDING_BODIES))
    decided_on = models.DateField(_("beslutsdag"), null=True, blank=True)
    final_on = models.DateField(_("laga kraft"), null=True, blank=True)
    voluntary_departure_deadline = models.DateField(_("tidsfrist satt av beslutsmyndigheten"), null=True,
                                                    blank=True)
    deadline_extended_to = models.JSONField(_("förlängda tidsfrister"), default=list, blank=True)
    reentry_ban_until = models.DateField(_("återreseförbud till"), null=True, blank=True)
    reason = models.CharField(_("skäl för överlämnande"), max_length=8, blank=True, choices=_choices(rules.REASONS))
    mv_category = models.PositiveSmallIntegerField(_("Migrationsverkets kategori"), null=True, blank=True)
    prior_dialogue = models.BooleanField(_("dialog före överlämnande"), default=False)

    # Status (from MV and from the Police's own work)
    temporary_permit_until = models.DateField(null=True, blank=True)
    stay_of_enforcement = models.BooleanField(default=False)
    pending_impediment = models.BooleanField(default=False)
    pending_permit_application = models.BooleanField(default=False)
    pending_family_asylum = models.BooleanField(default=False)
    permit_granted = models.BooleanField(default=False)
    detained = models.BooleanField(default=False)
    under_supervision = models.BooleanField(default=False)
    wants_to_return = models.BooleanField(default=False)

    # Derived, stored for sorting and follow-up (recomputed by services.refresh)
    police_category = models.PositiveSmallIntegerField(_("kategori"), db_index=True)
    priority_group = models.PositiveSmallIntegerField(_("prioriteringsgrupp"), db_index=True)
    lapses_on = models.DateField(_("preskriberas"), null=True, blank=True, db_index=True)
    against_agreement = models.BooleanField(_("i strid med överenskommelsen"), default=False)
    assessment = models.JSONField(default=dict)

    # Police handling
    assigned_to = models.CharField(_("handläggare"), max_length=200, blank=True)
    screening = models.TextField(_("screening"), blank=True)
    method = models.CharField(_("metod"), max_length=40, blank=True)
    outcome_destination = models.CharField(_("utresans destination"), max_length=2, blank=True)
    outcome_verified_by = models.CharField(_("hur utresan styrkts"), max_length=300, blank=True)
    outcome_success = models.BooleanField(null=True)

    class Meta:
        verbose_name = _("återvändandeärende")
        verbose_name_plural = _("återvändandeärenden")
        indexes = [models.Index(fields=["origin", "source_reference"], name="return_source_idx")]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.person_name}"


class Handover(models.Model):
    """A handover from MV as received: the body (police-internal), who sent it, what it lacked."""

    return_case = models.ForeignKey(ReturnCase, on_delete=models.CASCADE, related_name="handovers")
    received_at = models.DateTimeField()
    organisation = models.ForeignKey(RequestingOrganisation, on_delete=models.PROTECT, related_name="+")
    api_key = models.ForeignKey(ApiKey, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    reason = models.CharField(max_length=8, choices=_choices(rules.REASONS))
    category_at_handover = models.PositiveSmallIntegerField()
    against_agreement = models.BooleanField(default=False)
    body = models.JSONField()

    class Meta:
        verbose_name = _("överlämnande")
        verbose_name_plural = _("överlämnanden")

    def __str__(self) -> str:
        return f"{self.return_case_id} {self.received_at:%Y-%m-%d}"


class StatusChange(models.Model):
    return_case = models.ForeignKey(ReturnCase, on_delete=models.CASCADE, related_name="status_changes")
    at = models.DateTimeField()
    kind = models.CharField(max_length=32, choices=_choices(rules.STATUS_CHANGES))
    valid_until = models.DateField(null=True, blank=True)
    text = models.TextField(blank=True)
    by_organisation = models.ForeignKey(RequestingOrganisation, on_delete=models.PROTECT, null=True, blank=True,
                                        related_name="+")

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.return_case_id} {self.kind}"


class Note(models.Model):
    """Police-internal notes: the return conversation memo, identity work, embassy contacts, screening."""

    KINDS = {"memo": "Tjänsteanteckning (återvändandesamtal)", "identity": "Identitetsarbete",
             "embassy": "Ambassadkontakt", "screening": "Screening"}
    return_case = models.ForeignKey(ReturnCase, on_delete=models.CASCADE, related_name="notes")
    at = models.DateTimeField()
    kind = models.CharField(max_length=16, choices=_choices(KINDS))
    text = models.TextField()
    author = models.CharField(max_length=200)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.return_case_id} {self.kind}"


class Supervision(models.Model):
    return_case = models.ForeignKey(ReturnCase, on_delete=models.CASCADE, related_name="supervisions")
    decided_at = models.DateTimeField()
    weekdays = models.JSONField(default=list)  # 0 = Monday
    report_hour = models.PositiveSmallIntegerField(default=12)
    place = models.CharField(max_length=200)
    next_due_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.return_case_id} uppsikt"


class SupervisionReport(models.Model):
    supervision = models.ForeignKey(Supervision, on_delete=models.CASCADE, related_name="reports")
    due_at = models.DateTimeField()
    reported_at = models.DateTimeField(null=True, blank=True)
    missed = models.BooleanField(default=False)

    def __str__(self) -> str:
        return f"{self.supervision_id} {self.due_at:%Y-%m-%d %H:%M}"


class Detention(models.Model):
    return_case = models.ForeignKey(ReturnCase, on_delete=models.CASCADE, related_name="detentions")
    kind = models.CharField(max_length=16, choices=_choices(rules.DETENTION_KINDS))
    child = models.BooleanField(default=False)
    started_at = models.DateTimeField()
    limit_at = models.DateTimeField()
    centre = models.CharField(max_length=100, blank=True)
    grounds = models.TextField()
    ended_at = models.DateTimeField(null=True, blank=True)
    end_reason = models.CharField(max_length=300, blank=True)

    def __str__(self) -> str:
        return f"{self.return_case_id} {self.kind}"


class DetentionExtension(models.Model):
    detention = models.ForeignKey(Detention, on_delete=models.CASCADE, related_name="extensions")
    decided_at = models.DateTimeField()
    until = models.DateTimeField()
    exceptional_reasons = models.TextField(blank=True)
    lack_of_cooperation_or_documents = models.BooleanField(default=False)
    counsel = models.CharField(max_length=200)
    interpreter = models.CharField(max_length=200)

    def __str__(self) -> str:
        return f"{self.detention_id} till {self.until:%Y-%m-%d}"


class WantedNotice(models.Model):
    INSTRUCTIONS = {"custody": "Omhänderta personen", "contact": "Ta kontaktuppgifter och rapportera"}
    return_case = models.ForeignKey(ReturnCase, on_delete=models.CASCADE, related_name="wanted_notices")
    public_id = models.UUIDField(unique=True)
    issued_at = models.DateTimeField()
    instruction = models.CharField(max_length=16, choices=_choices(INSTRUCTIONS))
    instruction_text = models.TextField(blank=True)
    reference = models.CharField(max_length=64, blank=True)
    found_at = models.DateTimeField(null=True, blank=True)
    found_context = models.CharField(max_length=200, blank=True)
    found_report = models.TextField(blank=True)
    found_contact = models.CharField(max_length=300, blank=True)
    found_by = models.CharField(max_length=200, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.return_case_id} {self.instruction}"


class TransportOrder(models.Model):
    """An order to Kriminalvården: only what the trip needs (KV sees nothing else of the case)."""

    return_case = models.ForeignKey(ReturnCase, on_delete=models.CASCADE, related_name="transport_orders")
    public_id = models.UUIDField(unique=True)
    ordered_at = models.DateTimeField()
    organisation = models.ForeignKey(RequestingOrganisation, on_delete=models.PROTECT, related_name="+")
    trip_type = models.CharField(max_length=16, choices=_choices(rules.TRIP_TYPES))
    planned_on = models.DateField()
    destination_country = models.CharField(max_length=2)
    traveller_name = models.CharField(max_length=200)
    traveller_date_of_birth = models.DateField(null=True, blank=True)
    travel_document_kind = models.CharField(max_length=40, blank=True)
    travel_document_valid_until = models.DateField(null=True, blank=True)
    escort_needed = models.BooleanField(default=False)
    notes_for_kv = models.TextField(blank=True)
    status = models.CharField(max_length=16, default="ordered")  # ordered | accepted | booked | done | cancelled
    milestones = models.JSONField(default=list)
    deviations = models.JSONField(default=list)

    def __str__(self) -> str:
        return f"{self.return_case_id} {self.trip_type}"

    @property
    def status_label(self) -> str:
        """The order's status as people read it (``rules.ORDER_STATUSES``)."""
        from django.utils.translation import gettext

        return gettext(rules.ORDER_STATUSES.get(self.status, self.status))


class ReturnFact(models.Model):
    """The follow-up's narrow rows of one return case (``returns.followup_facts`` writes them, nobody else):
    ``kind`` "case" (one per case: the dimensions, the days it was received and closed, the outcome and its
    cohort class), "stock" (one per 31 December on which the case was open, anchored on that day),
    "detention" (one per detention, anchored on its start) and "transport" (one per transport order, anchored
    on the order). Each row carries the case's dimensions, so every measure is one filter and one GROUP BY.
    Days are Stockholm calendar days counted from 2000-01-01 and months ``year * 12 + month - 1``, as in the
    follow-up's own fact tables. ``seq`` is the change number the analytics replica copies by."""

    case_id = models.BigIntegerField(db_index=True)
    seq = models.BigIntegerField(default=0, db_index=True)
    kind = models.CharField(max_length=12)
    source_id = models.BigIntegerField(default=0)  # the detention's or order's id, the stock row's year
    source_updated_at = models.DateTimeField(null=True)  # the case's updated_at (the refresh's watermark)
    region_id = models.BigIntegerField(null=True)
    police_area_id = models.BigIntegerField(null=True)
    unit_id = models.BigIntegerField(null=True)
    organisation_id = models.BigIntegerField(null=True)
    # The handräckning dimensions every follow-up source has (a filter on them selects no return case).
    law = models.CharField(max_length=8, default="")
    point = models.CharField(max_length=32, default="")
    case_code = models.CharField(max_length=8, default="")
    origin = models.CharField(max_length=16, default="")
    reason = models.CharField(max_length=8, default="")
    mv_category = models.SmallIntegerField(null=True)
    police_category = models.SmallIntegerField(null=True)
    received_day = models.IntegerField(null=True)
    received_month = models.IntegerField(null=True)
    closed_day = models.IntegerField(null=True)
    closed_month = models.IntegerField(null=True)
    anchor_day = models.IntegerField(null=True)
    anchor_month = models.IntegerField(null=True)
    final_day = models.IntegerField(null=True)  # the day the decision became final
    lapses_day = models.IntegerField(null=True)  # the lapse date
    outcome = models.CharField(max_length=24, default="")
    cohort = models.CharField(max_length=12, default="")  # departed | lapsed | permit | open (within four years)
    enforced_by = models.CharField(max_length=8, default="")  # police | own | "" (no departure)
    stock_through = models.IntegerField(null=True)  # the last year whose 31 December has a stock row
    detention_kind = models.CharField(max_length=16, default="")
    child = models.BooleanField(default=False)
    seconds = models.BigIntegerField(null=True)  # a detention's length (ended ones)
    trip_type = models.CharField(max_length=16, default="")
    status = models.CharField(max_length=16, default="")

    class Meta:
        verbose_name = _("uppföljningsrad för återvändande")
        verbose_name_plural = _("uppföljningsrader för återvändande")
        indexes = [models.Index(fields=["kind", "source_updated_at"], name="retfact_updated_idx"),
                   models.Index(fields=["kind", "received_day"], name="retfact_received_idx"),
                   models.Index(fields=["kind", "closed_day"], name="retfact_closed_idx"),
                   models.Index(fields=["kind", "anchor_day"], name="retfact_anchor_idx")]

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind}"
