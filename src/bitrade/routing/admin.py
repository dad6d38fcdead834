from django.contrib import admin

from bitrade.audit.admin_mixins import AuditedAdmin

from .models import AckThreshold, DecisionCompetence, RoutingRule


@admin.register(RoutingRule)
class RoutingRuleAdmin(AuditedAdmin):
    list_display = ["name", "region", "order", "target_kind", "target_unit", "requires_open", "valid_from",
                    "valid_to", "active"]
    list_filter = ["region", "target_kind", "active"]
    search_fields = ["name"]
    autocomplete_fields = ["target_unit", "police_area"]


@admin.register(AckThreshold)
class AckThresholdAdmin(AuditedAdmin):
    list_display = ["priority", "minutes"]


@admin.register(DecisionCompetence)
class DecisionCompetenceAdmin(AuditedAdmin):
    list_display = ["law", "region", "functions", "lowest_level", "valid_from", "valid_to"]
    list_filter = ["law", "region"]
