from django.contrib import admin

from diagnostics.models import InterventionField


@admin.register(InterventionField)
class InterventionFieldAdmin(admin.ModelAdmin):
    """The reference list of champs d'intervention, which staff extend."""

    list_display = ["name", "code", "position", "is_active"]
    list_editable = ["position", "is_active"]
    search_fields = ["name", "code"]
    prepopulated_fields = {"code": ["name"]}
