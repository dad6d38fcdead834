"""Every change of the routing configuration bumps its version (in the same transaction)."""

from __future__ import annotations

import uuid

from django.db.models.signals import post_delete, post_save

from bitrade.organisation.models import OfficeHours, PoliceArea, Unit, UnitMembership

from .models import AckThreshold, ConfigurationVersion, DecisionCompetence, RoutingRule


def bump(**kwargs) -> None:
    if kwargs.get("raw"):
        return
    token = uuid.uuid4().hex
    if not ConfigurationVersion.objects.filter(id=1).update(version=token):
        ConfigurationVersion.objects.update_or_create(id=1, defaults={"version": token})


for model in (Unit, OfficeHours, PoliceArea, RoutingRule, AckThreshold, DecisionCompetence, UnitMembership):
    post_save.connect(bump, sender=model, dispatch_uid=f"routing-bump-save-{model.__name__}")
    post_delete.connect(bump, sender=model, dispatch_uid=f"routing-bump-delete-{model.__name__}")
