from django.contrib import admin

from bitrade.audit.admin_mixins import AuditedAdmin

from .models import TimeLimitSetting


@admin.register(TimeLimitSetting)
class TimeLimitSettingAdmin(AuditedAdmin):
    list_display = ["valid_from", "note", "created_at"]
