"""The filters of the sheet lists, read from the query string."""

from django import forms

from actions.models import SheetStatus
from ctg.forms import FastSelect
from diagnostics.models import InterventionField


class SheetFilterForm(forms.Form):
    q = forms.CharField(label="Rechercher", required=False)
    status = forms.ChoiceField(
        label="Statut", required=False, choices=[("", "Tous")] + SheetStatus.choices, widget=FastSelect
    )
    field = forms.ChoiceField(label="Champ d'intervention", required=False, widget=FastSelect)
    # A CAF's sheets have hundreds of pilots: their ids and names, not model instances.
    pilot = forms.TypedChoiceField(label="Pilote", required=False, coerce=int, empty_value=None, widget=FastSelect)
    late = forms.BooleanField(label="En retard seulement", required=False)

    def __init__(self, *args, pilots, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["field"].choices = [("", "Tous"), *InterventionField.objects.values_list("code", "name")]
        self.fields["pilot"].choices = [("", "Tous"), *pilots.values_list("pk", "name")]

    def filter(self, queryset):
        if not self.is_valid():
            return queryset
        data = self.cleaned_data
        if data["q"]:
            queryset = queryset.filter(title__icontains=data["q"])
        if data["status"]:
            queryset = queryset.filter(status=data["status"])
        if data["field"]:
            queryset = queryset.filter(fields__code=data["field"])
        if data["pilot"]:
            queryset = queryset.filter(pilot_id=data["pilot"])
        if data["late"]:
            queryset = queryset.filter(is_late=True)
        return queryset
