from django.contrib import admin

from .models import Deadline


@admin.register(Deadline)
class DeadlineAdmin(admin.ModelAdmin):
    list_display = ["id", "kind", "object_type", "object_id", "due_at", "state", "fired_at"]
    list_filter = ["kind", "state"]
    readonly_fields = ["kind", "object_type", "object_id", "due_at", "state", "payload", "fired_at", "outcome"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
