from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import ValidationError

from bitrade.audit.admin_mixins import AuditedAdmin, admin_actor

from . import services
from .models import (
    ApiKey,
    County,
    LocalPoliceArea,
    Municipality,
    OfficeHours,
    Person,
    PoliceArea,
    PoliceRegion,
    RequestingOrganisation,
    StaffMembership,
    Unit,
    UnitMembership,
)
from .rules import OfficeHoursError, WeeklyHours, validate_hours


@admin.register(PoliceRegion)
class PoliceRegionAdmin(AuditedAdmin):
    list_display = ["name", "code"]
    search_fields = ["name", "code"]


@admin.register(PoliceArea)
class PoliceAreaAdmin(AuditedAdmin):
    list_display = ["name", "code", "region"]
    list_filter = ["region"]
    search_fields = ["name", "code"]


@admin.register(LocalPoliceArea)
class LocalPoliceAreaAdmin(AuditedAdmin):
    list_display = ["name", "code", "police_area"]
    list_filter = ["police_area__region"]
    search_fields = ["name"]


@admin.register(County)
class CountyAdmin(AuditedAdmin):
    list_display = ["code", "name", "region"]


@admin.register(Municipality)
class MunicipalityAdmin(AuditedAdmin):
    list_display = ["code", "name", "county", "police_area", "population"]
    list_filter = ["county__region", "county"]
    search_fields = ["code", "name"]
    list_select_related = ["county", "police_area"]


class LabelledRowForm(forms.ModelForm):
    """A row of a tabular inline: the column header is not a label, so every input names itself
    (aria-label = the field's name) for screen readers (WCAG 1.3.1, 4.1.2)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            inner = getattr(field.widget, "widget", field.widget)  # a related-object select is wrapped
            inner.attrs = {**inner.attrs, "aria-label": str(field.label)}


class LabelledFormSet(forms.BaseInlineFormSet):
    """The formset's own "delete" box names itself too."""

    def add_fields(self, form, index):
        super().add_fields(form, index)
        if "DELETE" in form.fields:
            form.fields["DELETE"].widget.attrs.setdefault("aria-label", "Ta bort raden")


class OfficeHoursFormSet(LabelledFormSet):
    def clean(self):
        super().clean()
        hours = []
        for f in self.forms:
            if not getattr(f, "cleaned_data", None) or f.cleaned_data.get("DELETE"):
                continue
            d = f.cleaned_data
            if d.get("weekday") is None or not d.get("opens") or not d.get("closes"):
                continue
            hours.append(WeeklyHours(d["weekday"], d["opens"], d["closes"]))
        try:
            validate_hours(hours)
        except OfficeHoursError as exc:
            raise ValidationError(str(exc)) from exc


class OfficeHoursInline(admin.TabularInline):
    model = OfficeHours
    form = LabelledRowForm
    formset = OfficeHoursFormSet
    extra = 0


class UnitMembershipInline(admin.TabularInline):
    model = UnitMembership
    form = LabelledRowForm
    formset = LabelledFormSet
    extra = 0


class StaffMembershipInline(admin.TabularInline):
    model = StaffMembership
    form = LabelledRowForm
    formset = LabelledFormSet
    extra = 0


@admin.register(Unit)
class UnitAdmin(AuditedAdmin):
    list_display = ["name", "kind", "region", "police_area", "always_open", "active"]
    list_filter = ["kind", "region", "always_open"]
    search_fields = ["name"]
    inlines = [OfficeHoursInline]


@admin.register(Person)
class PersonAdmin(UserAdmin, AuditedAdmin):
    list_display = ["username", "first_name", "last_name", "national_function", "is_active"]
    search_fields = ["username", "first_name", "last_name", "email"]
    # Roles come from unit and staff memberships and the national function, not from Django's groups and
    # permissions; the login times are the system's own (shown, not edited).
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        ("Personuppgifter", {"fields": ("first_name", "last_name", "email", "phone", "title")}),
        ("Biträde", {"fields": ("national_function", "is_active", "is_staff", "is_superuser")}),
        ("Tider", {"fields": ("last_login", "date_joined")}),
    )
    readonly_fields = ["last_login", "date_joined"]
    inlines = [UnitMembershipInline, StaffMembershipInline]


@admin.register(RequestingOrganisation)
class RequestingOrganisationAdmin(AuditedAdmin):
    list_display = ["name", "kind", "parent", "municipality", "active"]
    list_filter = ["kind"]
    search_fields = ["name"]
    # API keys are made, shown once and revoked on their own page (web:api_keys), not here.


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = ["organisation", "name", "prefix", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["organisation", "name", "prefix", "key_hash", "created_at", "created_by", "last_used_at",
                       "revoked_at"]
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False

    @admin.action(description="Återkalla valda nycklar")
    def revoke(self, request, queryset):
        for key in queryset:
            services.revoke_api_key(admin_actor(request), key, "Återkallad i administrationen")
        messages.info(request, "Nycklarna är återkallade.")
