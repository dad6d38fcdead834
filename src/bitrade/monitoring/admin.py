from django.contrib import admin

from bitrade.audit.admin_mixins import AuditedAdmin

from .models import AlarmTypeRule, ApprovedEquipment, MonitoringSystem


@admin.register(AlarmTypeRule)
class AlarmTypeRuleAdmin(AuditedAdmin):
    list_display = ("alarm_type", "category", "procedure", "valid_from", "valid_to")
    list_filter = ("category",)


@admin.register(ApprovedEquipment)
class ApprovedEquipmentAdmin(AuditedAdmin):
    list_display = ("model", "active")


@admin.register(MonitoringSystem)
class MonitoringSystemAdmin(AuditedAdmin):
    list_display = ("name", "key_prefix", "active", "created_at")
    readonly_fields = ("key_prefix", "key_hash", "secret", "created_at")
