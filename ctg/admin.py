from django.contrib import admin
from django.contrib.admin.models import LogEntry
from guardian.admin import GuardedModelAdmin
from simple_history.admin import SimpleHistoryAdmin

from ctg.models import Convention, OutboundEmail
from governance.models import Party


@admin.register(OutboundEmail)
class OutboundEmailAdmin(admin.ModelAdmin):
    list_display = ["subject", "to", "created_at", "sent_at", "attempts"]
    search_fields = ["to", "subject"]
    readonly_fields = ["to", "subject", "body", "created_at", "sent_at", "attempts", "last_error"]

    def has_add_permission(self, request):
        return False


class PartyInline(admin.TabularInline):
    """Read-only here: adding or removing a party grants or revokes rights (governance.services)."""

    model = Party
    extra = 0
    can_delete = False
    fields = ["organisation", "representative_name", "representative_title", "needs_deliberation", "signing_group"]
    readonly_fields = ["organisation"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Convention)
class ConventionAdmin(SimpleHistoryAdmin, GuardedModelAdmin):
    """Staff see conventions for support; parties and rights are changed from the application."""

    list_display = ["title", "caf", "status", "start_date", "end_date"]
    list_filter = ["status", "departements"]
    list_select_related = ["caf"]
    search_fields = ["search_text"]
    raw_id_fields = ["epci", "commune", "caf", "previous"]
    readonly_fields = ["status", "created_by", "created_at", "updated_at"]
    inlines = [PartyInline]


@admin.register(LogEntry)
class AdminJournal(admin.ModelAdmin):
    """What was done in the administration, by whom, when: read only, for everyone's sake."""

    list_display = ["action_time", "user", "content_type", "object_repr", "action_flag", "change_message"]
    list_filter = ["action_flag", "content_type"]
    list_select_related = ["user", "content_type"]
    search_fields = ["object_repr", "change_message", "user__email"]
    date_hierarchy = "action_time"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
