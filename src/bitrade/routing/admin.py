from django.contrib import admin

from bitrade.audit.admin_mixins import AuditedAdmin

from .models import AckThreshold, RoutingRule


@admin.register(RoutingRule)
class RoutingRuleAdmin(AuditedAdmin):
    list_display = ["name", "region", "order", "target_kind", "target_unit", "requires_open", "valid_from",
                    "valid_to", "active"]
    list_filter = ["region", "target_kind", "active"]
    search_fields = ["name"]


@admin.register(AckThreshold)
class AckThresholdAdmin(AuditedAdmin):
    list_display = ["priority", "minutes"]
