from django.contrib import admin
from django.shortcuts import redirect

from bitrade.audit.admin_mixins import AuditedAdmin

from .models import AckThreshold, DecisionCompetence, RoutingRule


@admin.register(RoutingRule)
class RoutingRuleAdmin(AuditedAdmin):
    """Routing rules are listed (with the built-in defaults) and edited, with a preview, on the
    administration pages (web:routing_rules); the admin's own list and forms lead there."""

    list_display = ["name", "region", "order", "target_kind", "target_unit", "requires_open", "valid_from",
                    "valid_to", "active"]
    list_filter = ["region", "target_kind", "active"]
    search_fields = ["name"]

    def changelist_view(self, request, extra_context=None):
        return redirect("web:routing_rules")

    def add_view(self, request, form_url="", extra_context=None):
        return redirect("web:routing_rule_new")

    def change_view(self, request, object_id, form_url="", extra_context=None):
        return redirect("web:routing_rule_edit", int(object_id)) if str(object_id).isdigit() else redirect(
            "web:routing_rules")


@admin.register(AckThreshold)
class AckThresholdAdmin(AuditedAdmin):
    list_display = ["priority", "minutes"]


@admin.register(DecisionCompetence)
class DecisionCompetenceAdmin(AuditedAdmin):
    list_display = ["law", "region", "functions", "lowest_level", "valid_from", "valid_to"]
    list_filter = ["law", "region"]
