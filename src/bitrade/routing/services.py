"""Changes of the routing configuration made outside the Django admin: one transaction, on record."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction

from bitrade.audit import services as audit
from bitrade.common.actor import Actor


def save_rule(actor: Actor, form):
    """Save a valid ``RoutingRuleForm``; the configuration version is bumped by the model's signal."""
    if not actor.is_administrator:
        raise PermissionDenied("Endast administratörer får ändra styrregler.")
    created = form.instance.pk is None
    with transaction.atomic():
        rule = form.save()
        audit.record(actor, "routing.rule_created" if created else "routing.rule_changed", obj=rule,
                     new={k: str(v) for k, v in form.cleaned_data.items()})
    return rule
