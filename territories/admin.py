from django.contrib import admin, messages
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from guardian.admin import GuardedModelAdmin

from territories import services
from territories.models import (
    EPCI,
    Commune,
    Departement,
    Invitation,
    JoinRequest,
    Membership,
    Organisation,
    Region,
    User,
)


def _log_action(request, objects, message):
    """Bulk actions are audited like the admin's own forms (LogEntry, "Journal de
    l'administration")."""
    LogEntry.objects.log_actions(request.user.pk, objects, CHANGE, change_message=message)


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["code", "name"]
    search_fields = ["name", "code"]


@admin.register(Departement)
class DepartementAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "region"]
    list_select_related = ["region"]
    search_fields = ["name", "code"]


@admin.register(EPCI)
class EPCIAdmin(admin.ModelAdmin):
    list_display = ["name", "siren", "kind", "population"]
    list_filter = ["kind"]
    search_fields = ["search_name", "siren"]
    actions = ["create_organisations"]

    @admin.action(description="Créer l'organisation de ces EPCI")
    def create_organisations(self, request, queryset):
        organisations = [services.organisation_for_epci(epci) for epci in queryset]
        _log_action(request, organisations, "Organisation créée ou vérifiée depuis la liste des EPCI")
        self.message_user(request, f"{len(organisations)} organisation(s) prête(s).", messages.SUCCESS)


@admin.register(Commune)
class CommuneAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "siren", "departement", "epci", "population"]
    list_select_related = ["departement", "epci"]
    list_filter = ["departement__region"]
    search_fields = ["search_name", "code", "siren"]
    raw_id_fields = ["epci"]
    actions = ["create_organisations"]

    @admin.action(description="Créer l'organisation de ces communes")
    def create_organisations(self, request, queryset):
        organisations = [
            services.organisation_for_commune(commune) for commune in queryset.select_related("departement")
        ]
        _log_action(request, organisations, "Organisation créée ou vérifiée depuis la liste des communes")
        self.message_user(request, f"{len(organisations)} organisation(s) prête(s).", messages.SUCCESS)


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user", "organisation"]


@admin.register(Organisation)
class OrganisationAdmin(GuardedModelAdmin):
    list_display = ["name", "kind", "siren", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "siren"]
    raw_id_fields = ["epci", "commune"]
    filter_horizontal = ["departements"]
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "organisation", "role", "created_at"]
    list_filter = ["role", "organisation__kind"]
    list_select_related = ["user", "organisation"]
    search_fields = ["user__email", "user__last_name", "organisation__name"]
    autocomplete_fields = ["user", "organisation"]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["email", "organisation", "role", "created_at", "expires_at", "accepted_at", "revoked_at"]
    list_select_related = ["organisation"]
    search_fields = ["email", "organisation__name"]
    readonly_fields = ["token_hash", "created_at", "accepted_at"]
    raw_id_fields = ["organisation", "invited_by"]


@admin.register(JoinRequest)
class JoinRequestAdmin(admin.ModelAdmin):
    list_display = ["user", "organisation", "status", "role", "created_at", "decided_at"]
    list_filter = ["status"]
    list_select_related = ["user", "organisation"]
    search_fields = ["user__email", "organisation__name", "siret"]
    raw_id_fields = ["user", "organisation", "decided_by"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "first_name", "last_name", "is_staff", "is_active"]
    search_fields = ["email", "first_name", "last_name"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Identité", {"fields": ("first_name", "last_name")}),
        # Unlinking (emptying the identifier) lets the agent link another ProConnect identity.
        ("ProConnect", {"fields": ("proconnect_sub", "proconnect_siret")}),
        ("Droits", {"fields": ("is_active", "is_staff", "is_superuser", "groups")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)
    inlines = [MembershipInline]
