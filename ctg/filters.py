"""Filters of the convention and sheet lists, read from the query string."""

from django import forms
from django.core.cache import cache

from ctg.forms import FastSelect
from ctg.lifecycle import Status
from territories.models import Departement
from territories.text import search_key


def departement_choices() -> list[tuple[str, str]]:
    """The départements, read once an hour per process: only the geography import changes
    them, and every list page offers them."""
    return cache.get_or_set("filters:departements", lambda: [(d.code, str(d)) for d in Departement.objects.all()], 3600)


class ConventionFilterForm(forms.Form):
    q = forms.CharField(label="Rechercher", required=False)
    status = forms.ChoiceField(
        label="Statut", required=False, choices=[("", "Tous")] + Status.choices, widget=FastSelect
    )
    departement = forms.ChoiceField(
        label="Département",
        required=False,
        choices=lambda: [("", "Tous"), *departement_choices()],
        widget=FastSelect,
    )

    def filter(self, queryset):
        if not self.is_valid():
            return queryset
        data = self.cleaned_data
        if data["q"]:
            for word in search_key(data["q"]).split():
                queryset = queryset.filter(search_text__contains=word)
        if data["status"]:
            queryset = queryset.filter(status=data["status"])
        if data["departement"]:
            queryset = queryset.filter(departements__code=data["departement"])
        return queryset
