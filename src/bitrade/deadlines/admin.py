from django.contrib import admin, messages
from django.db.models import Q

from bitrade.audit import services as audit
from bitrade.audit.admin_mixins import admin_actor

from . import services
from .models import Deadline, DeadlineState


class ProblemFilter(admin.SimpleListFilter):
    title = "problem"
    parameter_name = "problem"

    def lookups(self, request, model_admin):
        return [("failed", "Misslyckade (alla)"), ("for_good", "Misslyckade för gott"),
                ("retrying", "Försöks igen"), ("no_handler", "Saknar hanterare")]

    def queryset(self, request, queryset):
        match self.value():
            case "failed":
                return queryset.filter(state__in=(DeadlineState.FAILED, DeadlineState.RETRYING))
            case "for_good":
                return queryset.filter(state=DeadlineState.FAILED)
            case "retrying":
                return queryset.filter(state=DeadlineState.RETRYING)
            case "no_handler":
                return queryset.filter(Q(no_handler_at__isnull=False),
                                       state__in=(DeadlineState.PENDING, DeadlineState.RETRYING))
        return queryset


@admin.register(Deadline)
class DeadlineAdmin(admin.ModelAdmin):
    list_display = ["id", "kind", "object_type", "object_id", "due_at", "state", "attempts", "next_attempt_at",
                    "fired_at", "short_error"]
    list_filter = [ProblemFilter, "state", "kind"]
    search_fields = ["kind", "object_id", "last_error"]
    readonly_fields = ["kind", "object_type", "object_id", "due_at", "state", "payload", "created_at", "fired_at",
                       "outcome", "attempts", "last_error", "next_attempt_at", "no_handler_at"]
    actions = ["retry"]

    @admin.display(description="senaste fel")
    def short_error(self, obj):
        return obj.last_error[:120]

    def has_retry_permission(self, request):
        return request.user.has_perm("deadlines.change_deadline")

    @admin.action(description="Försök igen", permissions=["retry"])
    def retry(self, request, queryset):
        ids = list(queryset.filter(state__in=(DeadlineState.FAILED, DeadlineState.RETRYING))
                   .values_list("pk", flat=True))
        count = services.retry(ids)
        if count:
            audit.record(admin_actor(request), "deadline.retry", object_type=services.OBJECT_TYPE,
                         object_id=ids[0] if len(ids) == 1 else "", new={"ids": ids})
            messages.info(request, f"{count} tidsfrister körs igen vid nästa svep.")
        else:
            messages.warning(request, "Inga misslyckade tidsfrister valdes.")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
