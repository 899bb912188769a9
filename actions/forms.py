from django import forms
from django.forms import inlineformset_factory

from actions.models import (
    ActionSheet,
    Axis,
    BudgetLine,
    EvaluationIndicator,
    FundingLine,
    Objective,
    Step,
    TargetPublic,
)
from ctg.forms import DateInput, LocalizedModelForm, french_number_field
from ctg.lib.typography import fr_number
from diagnostics.models import InterventionField
from territories.models import Commune, Organisation


class AxisForm(forms.ModelForm):
    class Meta:
        model = Axis
        fields = ["title", "code", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}


class ObjectiveForm(forms.ModelForm):
    class Meta:
        model = Objective
        fields = ["title", "code", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}


class ActionSheetForm(forms.ModelForm):
    target_publics = forms.MultipleChoiceField(
        label="Publics visés",
        choices=TargetPublic.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = ActionSheet
        fields = [
            "objective",
            "title",
            "code",
            "fields",
            "context",
            "aims",
            "description",
            "target_publics",
            "whole_territory",
            "communes",
            "pilot",
            "pilot_contact",
            "elected_referent",
            "partners",
            "other_partners",
            "start_date",
            "end_date",
            "status",
            "progress",
            "links",
        ]
        widgets = {
            "context": forms.Textarea(attrs={"rows": 3}),
            "aims": forms.Textarea(attrs={"rows": 3}),
            "description": forms.Textarea(attrs={"rows": 4}),
            "links": forms.Textarea(attrs={"rows": 2}),
            "start_date": DateInput,
            "end_date": DateInput,
            "fields": forms.CheckboxSelectMultiple,
            "communes": forms.SelectMultiple(attrs={"size": 8}),
            "partners": forms.SelectMultiple(attrs={"size": 6}),
        }

    def __init__(self, *args, convention, **kwargs):
        super().__init__(*args, **kwargs)
        self.convention = convention
        self.fields["objective"].queryset = Objective.objects.filter(convention=convention).select_related("axis")
        self.fields["objective"].label_from_instance = lambda objective: f"{objective.number} {objective.title}"
        self.fields["fields"].queryset = InterventionField.objects.filter(is_active=True)
        if convention.epci_id:
            communes = Commune.objects.filter(epci_id=convention.epci_id)
        else:
            communes = Commune.objects.filter(pk=convention.commune_id)
        self.fields["communes"].queryset = communes.order_by("name")
        organisations = Organisation.objects.filter(parties__convention=convention).order_by("name")
        self.fields["pilot"].queryset = organisations
        self.fields["partners"].queryset = organisations
        self.fields["progress"].widget.attrs.update({"min": 0, "max": 100})

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start_date"), cleaned.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", "La fin de l'action doit suivre son début.")
        if not cleaned.get("whole_territory") and not cleaned.get("communes"):
            self.add_error("communes", "Choisissez les communes concernées, ou cochez « tout le territoire ».")
        return cleaned


class StepForm(forms.ModelForm):
    class Meta:
        model = Step
        fields = ["title", "start_date", "end_date", "done"]
        widgets = {"start_date": DateInput, "end_date": DateInput}


class BudgetLineForm(LocalizedModelForm):
    class Meta:
        model = BudgetLine
        fields = ["year", "kind", "unit", "planned"]


class FundingLineForm(LocalizedModelForm):
    class Meta:
        model = FundingLine
        fields = ["funder", "amount", "year", "status"]


class EvaluationIndicatorForm(LocalizedModelForm):
    class Meta:
        model = EvaluationIndicator
        fields = ["label", "unit", "baseline", "target"]


def _formset(model, form):
    return inlineformset_factory(ActionSheet, model, form=form, extra=1, can_delete=True)


SHEET_FORMSETS = {
    "steps": _formset(Step, StepForm),
    "budget": _formset(BudgetLine, BudgetLineForm),
    "funding": _formset(FundingLine, FundingLineForm),
    "indicators": _formset(EvaluationIndicator, EvaluationIndicatorForm),
}
SHEET_FORMSET_TITLES = {
    "steps": "Étapes (sous-actions)",
    "budget": "Budget prévisionnel par année",
    "funding": "Plan de financement",
    "indicators": "Indicateurs d'évaluation",
}


class MoveSheetForm(forms.Form):
    objective = forms.ModelChoiceField(label="Déplacer vers l'objectif", queryset=Objective.objects.none())

    def __init__(self, *args, convention, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["objective"].queryset = Objective.objects.filter(convention=convention).select_related("axis")
        self.fields["objective"].label_from_instance = lambda objective: f"{objective.number} {objective.title}"


class SheetProgressForm(forms.ModelForm):
    """The two fields changed most often, edited in place on the sheet page."""

    class Meta:
        model = ActionSheet
        fields = ["status", "progress"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["progress"].widget.attrs.update({"min": 0, "max": 100})


class FollowUpForm(forms.Form):
    """What a pilot reports: status, progress, a dated note, money spent, measured values."""

    status = forms.ChoiceField(label="Statut", choices=ActionSheet._meta.get_field("status").choices)
    progress = forms.IntegerField(label="Avancement (%)", min_value=0, max_value=100)
    note = forms.CharField(
        label="Point d'étape",
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Ce qui a été fait, les difficultés, la suite : il reste dans le journal de la fiche.",
    )
    year = forms.IntegerField(label="Année des valeurs mesurées", min_value=2000, max_value=2100)

    def __init__(self, *args, sheet, **kwargs):
        super().__init__(*args, **kwargs)
        self.sheet = sheet
        self.budget_lines = list(sheet.budget_lines.all())
        self.indicators = list(sheet.evaluation_indicators.prefetch_related("measures"))
        for line in self.budget_lines:
            unit = line.get_unit_display()
            self.fields[f"spent_{line.pk}"] = french_number_field(
                forms.DecimalField(
                    label=f"Réalisé {line.year}, {line.get_kind_display().lower()} "
                    f"(prévu : {fr_number(line.planned)} {unit})",
                    required=False,
                    max_digits=12,
                    decimal_places=2,
                    min_value=0,
                    initial=line.spent,
                )
            )
        for indicator in self.indicators:
            target = fr_number(indicator.target) if indicator.target is not None else "—"
            self.fields[f"measure_{indicator.pk}"] = french_number_field(
                forms.DecimalField(
                    label=f"{indicator.label} (cible : {target} {indicator.unit})".replace(" )", ")"),
                    required=False,
                    max_digits=14,
                    decimal_places=2,
                )
            )

    def spent(self):
        return {line.pk: self.cleaned_data.get(f"spent_{line.pk}") for line in self.budget_lines}

    def measures(self):
        year = self.cleaned_data["year"]
        return {(i.pk, year): self.cleaned_data.get(f"measure_{i.pk}") for i in self.indicators}
