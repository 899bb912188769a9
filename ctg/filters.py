"""Filters of the convention and sheet lists, read from the query string."""

from django import forms
from django.core.cache import cache

from actions.models import SheetStatus
from ctg.lifecycle import Status
from diagnostics.models import InterventionField
from territories.models import Departement, Organisation


def departement_choices() -> list[tuple[str, str]]:
    """The départements, read once an hour per process: only the geography import changes
    them, and every list page offers them."""
    return cache.get_or_set("filters:departements", lambda: [(d.code, str(d)) for d in Departement.objects.all()], 3600)


class ConventionFilterForm(forms.Form):
    q = forms.CharField(label="Rechercher", required=False)
    status = forms.ChoiceField(label="Statut", required=False, choices=[("", "Tous")] + Status.choices)
    departement = forms.ChoiceField(
        label="Département", required=False, choices=lambda: [("", "Tous"), *departement_choices()]
    )

    def filter(self, queryset):
        if not self.is_valid():
            return queryset
        data = self.cleaned_data
        if data["q"]:
            from territories.text import search_key

            for word in search_key(data["q"]).split():
                queryset = queryset.filter(search_text__contains=word)
        if data["status"]:
            queryset = queryset.filter(status=data["status"])
        if data["departement"]:
            queryset = queryset.filter(departements__code=data["departement"])
        return queryset


class SheetFilterForm(forms.Form):
    q = forms.CharField(label="Rechercher", required=False)
    status = forms.ChoiceField(label="Statut", required=False, choices=[("", "Tous")] + SheetStatus.choices)
    field = forms.ModelChoiceField(
        label="Champ d'intervention",
        required=False,
        queryset=InterventionField.objects.all(),
        to_field_name="code",
        empty_label="Tous",
    )
    pilot = forms.ModelChoiceField(
        label="Pilote", required=False, queryset=Organisation.objects.none(), empty_label="Tous"
    )
    late = forms.BooleanField(label="En retard seulement", required=False)

    def __init__(self, *args, pilots, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["pilot"].queryset = pilots

    def filter(self, queryset):
        if not self.is_valid():
            return queryset
        data = self.cleaned_data
        if data["q"]:
            queryset = queryset.filter(title__icontains=data["q"])
        if data["status"]:
            queryset = queryset.filter(status=data["status"])
        if data["field"]:
            queryset = queryset.filter(fields=data["field"])
        if data["pilot"]:
            queryset = queryset.filter(pilot=data["pilot"])
        if data["late"]:
            queryset = queryset.filter(is_late=True)
        return queryset
