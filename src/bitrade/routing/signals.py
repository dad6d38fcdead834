"""Every change of the routing configuration bumps its version (in the same transaction)."""

from __future__ import annotations

import uuid

from django.db.models.signals import post_delete, post_save

from bitrade.common import memo
from bitrade.organisation.models import (
    Municipality,
    OfficeHours,
    PoliceArea,
    PoliceRegion,
    RequestingOrganisation,
    StaffMembership,
    Unit,
    UnitMembership,
)

from .models import AckThreshold, ConfigurationVersion, DecisionCompetence, RoutingRule
from .selectors import VERSION_MEMO


def bump(**kwargs) -> None:
    if kwargs.get("raw"):
        return
    token = uuid.uuid4().hex
    memo.forget(VERSION_MEMO)
    if not ConfigurationVersion.objects.filter(id=1).update(version=token):
        ConfigurationVersion.objects.update_or_create(id=1, defaults={"version": token})


# Municipalities and regions too: intake keeps the municipality it routes by per version
# (selectors.municipality); requesting organisations too: the follow-up keeps their names per version
# (followup.geography.names); staff memberships too: a request's actor keeps them per version
# (organisation.actor.staff_memberships).
for model in (Unit, OfficeHours, PoliceArea, RoutingRule, AckThreshold, DecisionCompetence, UnitMembership,
              Municipality, PoliceRegion, RequestingOrganisation, StaffMembership):
    post_save.connect(bump, sender=model, dispatch_uid=f"routing-bump-save-{model.__name__}")
    post_delete.connect(bump, sender=model, dispatch_uid=f"routing-bump-delete-{model.__name__}")
