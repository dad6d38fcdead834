from django.contrib import admin

from .models import OutboxMessage


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    """Delivery status only: subjects and bodies may carry case details, so they are not listed."""

    list_display = ["id", "channel", "event", "recipient", "state", "attempts", "next_attempt_at", "sent_at"]
    list_filter = ["state", "channel", "event"]
    fields = ["channel", "event", "recipient", "state", "attempts", "next_attempt_at", "sent_at", "last_error"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
