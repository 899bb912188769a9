from django.contrib import messages
from django.shortcuts import redirect, render

from ctg.forms import CommentForm
from ctg.models import Comment, Convention
from ctg.parts import PartCreateView, PartDeleteView, PartUpdateView
from ctg.permissions import get_convention_for
from diagnostics.forms import (
    ActiveFieldsMixin,
    DiagnosticForm,
    DiagnosticSectionForm,
    FindingForm,
    IndicatorForm,
    NeedForm,
    WorkshopForm,
)
from diagnostics.models import DiagnosticSection, Finding, Indicator, InterventionField, Need, Workshop
from diagnostics.services import diagnostic_groups


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
    own_sections = list(convention.diagnostic_sections.select_related("field"))
    sections = []
    for group in diagnostic_groups(
        [(section.pk, section.title) for section in own_sections],
        [(field.pk, field.name) for field in fields],
        findings + indicators,
        section_of=lambda item: item.section_id,
        field_of=lambda item: item.field_id,
    ):
        swot = [
            (kind, label, [f for f in group["items"] if isinstance(f, Finding) and f.kind == kind])
            for kind, label in Finding.Kind.choices
        ]
        anchor = f"{group['key'][0]}-{group['key'][1]}"
        group_indicators = [i for i in group["items"] if isinstance(i, Indicator)]
        sections.append({"title": group["title"], "anchor": anchor, "swot": swot, "indicators": group_indicators})
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
            "general_indicators": [i for i in indicators if i.field_id is None and i.section_id is None],
            "own_sections": own_sections,
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

    def form_kwargs(self):
        return {"convention": self.convention} if issubclass(self.form_class, ActiveFieldsMixin) else {}


def _views(model, form, label, pk_kwarg, feminine=False):
    attrs = {"model": model, "form_class": form, "label": label, "pk_kwarg": pk_kwarg, "feminine": feminine}
    return (
        type(f"{model.__name__}Create", (DiagnosticPart, PartCreateView), attrs).as_view(),
        type(f"{model.__name__}Update", (DiagnosticPart, PartUpdateView), attrs).as_view(),
        type(f"{model.__name__}Delete", (DiagnosticPart, PartDeleteView), attrs).as_view(),
    )


# URL name: (URL segment, kwarg, views) for each kind of diagnostic item.
ITEM_VIEWS = {
    "section": (
        "rubriques",
        "section_pk",
        _views(DiagnosticSection, DiagnosticSectionForm, "rubrique", "section_pk", feminine=True),
    ),
    "finding": ("constats", "finding_pk", _views(Finding, FindingForm, "constat", "finding_pk")),
    "indicator": ("indicateurs", "indicator_pk", _views(Indicator, IndicatorForm, "indicateur", "indicator_pk")),
    "need": ("enjeux", "need_pk", _views(Need, NeedForm, "enjeu", "need_pk")),
    "workshop": ("ateliers", "workshop_pk", _views(Workshop, WorkshopForm, "atelier", "workshop_pk")),
}
