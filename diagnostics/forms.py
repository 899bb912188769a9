from django import forms

from ctg.forms import DateInput, LocalizedModelForm
from diagnostics.models import Diagnostic, DiagnosticSection, Finding, Indicator, InterventionField, Need, Workshop


class ActiveFieldsMixin:
    """The active national fields; the convention's own diagnostic headings."""

    def __init__(self, *args, convention=None, **kwargs):
        super().__init__(*args, **kwargs)
        if "field" in self.fields:
            self.fields["field"].queryset = InterventionField.objects.filter(is_active=True)
        if "section" in self.fields:
            self.fields["section"].queryset = DiagnosticSection.objects.filter(convention=convention)


class DiagnosticSectionForm(ActiveFieldsMixin, LocalizedModelForm):
    class Meta:
        model = DiagnosticSection
        fields = ["title", "field"]


class FindingForm(ActiveFieldsMixin, LocalizedModelForm):
    class Meta:
        model = Finding
        fields = ["section", "field", "kind", "text"]
        widgets = {"text": forms.Textarea(attrs={"rows": 3})}


class IndicatorForm(ActiveFieldsMixin, LocalizedModelForm):
    class Meta:
        model = Indicator
        fields = ["label", "section", "field", "value", "unit", "year", "source", "departement_value", "france_value"]

    def clean_year(self):
        year = self.cleaned_data["year"]
        if not 1950 <= year <= 2100:
            raise forms.ValidationError("Saisissez une année sur quatre chiffres, par exemple 2023.")
        return year


class NeedForm(ActiveFieldsMixin, LocalizedModelForm):
    class Meta:
        model = Need
        fields = ["title", "field", "priority", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}


class WorkshopForm(LocalizedModelForm):
    counted_fields = ("participants",)

    class Meta:
        model = Workshop
        fields = ["title", "date", "participants"]
        widgets = {"date": DateInput}


class DiagnosticForm(LocalizedModelForm):
    counted_fields = ("interviews_count", "survey_answers")

    class Meta:
        model = Diagnostic
        fields = [
            "summary",
            "interviews",
            "interviews_count",
            "survey_description",
            "survey_answers",
            "sources",
            "previous_evaluation",
            "consultant",
        ]
        widgets = {
            name: forms.Textarea(attrs={"rows": 4})
            for name in ["summary", "interviews", "survey_description", "sources", "previous_evaluation"]
        }
