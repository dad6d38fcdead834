from django.contrib import admin

from .models import ThresholdSetting


@admin.register(ThresholdSetting)
class ThresholdSettingAdmin(admin.ModelAdmin):
    list_display = ("key", "value", "note", "changed_at")
    search_fields = ("key", "note")
