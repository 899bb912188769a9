"""The filters of the sheet lists, read from the query string."""

from django import forms

from actions.models import SheetStatus
from diagnostics.models import InterventionField
from territories.models import Organisation


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
