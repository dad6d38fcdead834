"""Admin screens record every change in the audit trail, like any other write."""

from __future__ import annotations

from django.contrib import admin
from django.forms.models import model_to_dict

from bitrade.audit import services as audit
from bitrade.common.actor import ADMINISTRATOR, Actor


def admin_actor(request) -> Actor:
    user = request.user
    return Actor(kind=ADMINISTRATOR, label=user.get_full_name() or user.username, person_id=user.pk,
                 functions=frozenset({ADMINISTRATOR}))


def _snapshot(obj) -> dict:
    data = model_to_dict(obj)
    data.pop("password", None)
    return {k: (v if isinstance(v, str | int | float | bool | type(None)) else str(v)) for k, v in data.items()}


class AuditedAdmin(admin.ModelAdmin):
    def save_model(self, request, obj, form, change):
        old = _snapshot(type(obj).objects.get(pk=obj.pk)) if change and obj.pk else None
        super().save_model(request, obj, form, change)
        audit.record(admin_actor(request), f"admin.{'changed' if change else 'added'}", obj=obj, old=old,
                     new=_snapshot(obj))

    def delete_model(self, request, obj):
        old = _snapshot(obj)
        pk = obj.pk
        label = obj._meta.label_lower
        super().delete_model(request, obj)
        audit.record(admin_actor(request), "admin.deleted", object_type=label, object_id=pk, old=old)

    def save_formset(self, request, form, formset, change):
        super().save_formset(request, form, formset, change)
        for obj in formset.new_objects + [o for o, _ in formset.changed_objects]:
            audit.record(admin_actor(request), "admin.inline_saved", obj=obj, new=_snapshot(obj))
        for obj in formset.deleted_objects:
            audit.record(admin_actor(request), "admin.inline_deleted", object_type=obj._meta.label_lower,
                         object_id=obj.pk or "")
