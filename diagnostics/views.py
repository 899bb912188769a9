from django.contrib import messages
from django.shortcuts import redirect, render

from ctg.forms import CommentForm
from ctg.models import Comment, Convention
from ctg.parts import PartCreateView, PartDeleteView, PartUpdateView
from ctg.permissions import get_convention_for
from diagnostics.forms import DiagnosticForm, FindingForm, IndicatorForm, NeedForm, WorkshopForm
from diagnostics.models import Finding, Indicator, InterventionField, Need, Workshop


def diagnostic_detail(request, convention_pk):
    convention = get_convention_for(
        request.user, Convention.objects.with_territory().select_related("diagnostic"), convention_pk
    )
    fields = list(InterventionField.objects.all())
    by_pk = {field.pk: field for field in fields}
    findings = list(convention.findings.all())
    indicators = list(convention.indicators.all())
    needs = list(convention.needs.all())
    # The fields were read once above: each item gets its own without a join.
    for item in findings + indicators + needs:
        item.field = by_pk.get(item.field_id)
    sections = []
    for field in fields:
        swot = [
            (kind, label, [f for f in findings if f.field_id == field.pk and f.kind == kind])
            for kind, label in Finding.Kind.choices
        ]
        field_indicators = [i for i in indicators if i.field_id == field.pk]
        if any(items for _, _, items in swot) or field_indicators:
            sections.append({"field": field, "swot": swot, "indicators": field_indicators})
    comments = Comment.objects.by_targets(convention, "constat", "indicateur", "enjeu")
    for finding in findings:
        finding.comments = comments["constat"].get(finding.pk, [])
    for indicator in indicators:
        indicator.comments = comments["indicateur"].get(indicator.pk, [])
    for need in needs:
        need.comments = comments["enjeu"].get(need.pk, [])
    return render(
        request,
        "diagnostics/diagnostic_detail.html",
        {
            "convention": convention,
            "diagnostic": convention.diagnostic,
            "sections": sections,
            "general_indicators": [i for i in indicators if i.field_id is None],
            "needs": needs,
            "workshops": convention.workshops.all(),
            "comment_form": CommentForm(),
        },
    )


def diagnostic_edit(request, convention_pk):
    convention = get_convention_for(
        request.user, Convention.objects.with_territory().select_related("diagnostic"), convention_pk, "edit"
    )
    form = DiagnosticForm(request.POST or None, instance=convention.diagnostic)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Méthode et synthèse du diagnostic enregistrées.")
        return redirect("diagnostic_detail", convention_pk=convention.pk)
    return render(
        request,
        "ctg/part_form.html",
        {
            "convention": convention,
            "form": form,
            "object": convention.diagnostic,
            "label": "diagnostic",
            "heading": "Synthèse et méthode du diagnostic",
            "cancel_url_name": "diagnostic_detail",
        },
        status=400 if form.errors else 200,
    )


class DiagnosticPart:
    success_url_name = "diagnostic_detail"


def _views(model, form, label, pk_kwarg):
    attrs = {"model": model, "form_class": form, "label": label, "pk_kwarg": pk_kwarg}
    return (
        type(f"{model.__name__}Create", (DiagnosticPart, PartCreateView), attrs).as_view(),
        type(f"{model.__name__}Update", (DiagnosticPart, PartUpdateView), attrs).as_view(),
        type(f"{model.__name__}Delete", (DiagnosticPart, PartDeleteView), attrs).as_view(),
    )


# URL name: (URL segment, kwarg, views) for each kind of diagnostic item.
ITEM_VIEWS = {
    "finding": ("constats", "finding_pk", _views(Finding, FindingForm, "constat", "finding_pk")),
    "indicator": ("indicateurs", "indicator_pk", _views(Indicator, IndicatorForm, "indicateur", "indicator_pk")),
    "need": ("enjeux", "need_pk", _views(Need, NeedForm, "enjeu", "need_pk")),
    "workshop": ("ateliers", "workshop_pk", _views(Workshop, WorkshopForm, "atelier", "workshop_pk")),
}
