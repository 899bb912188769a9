"""The yearly review (bilan annuel) of a convention: progress by axis, sheets by status,
indicators against their targets, budget planned and spent, funding by funder, highlights."""

from collections import defaultdict
from decimal import Decimal

import tablib
from django.template.loader import render_to_string

from actions.models import ActionSheet, SheetStatus, SheetUpdate
from ctg.lib.charts import bar_chart
from ctg.lib.office import Properties, html_to_docx
from ctg.lib.pdf import html_to_pdf
from ctg.lib.spreadsheets import neutralised
from ctg.lib.typography import keep_together


def review_data(convention, year: int) -> dict:
    sheets = list(
        ActionSheet.objects.filter(convention=convention)
        .with_numbers()
        .select_related("pilot")
        .prefetch_related("budget_lines", "funding_lines", "evaluation_indicators__measures")
    )
    axes = {}
    for sheet in sheets:
        axis = sheet.objective.axis
        entry = axes.setdefault(axis.pk, {"title": f"{axis.number}. {axis.title}", "progress": [], "sheets": 0})
        entry["progress"].append(sheet.progress)
        entry["sheets"] += 1
    by_axis = [
        {"title": a["title"], "sheets": a["sheets"], "progress": round(sum(a["progress"]) / len(a["progress"]), 1)}
        for a in axes.values()
    ]
    status_counts = {label: 0 for _, label in SheetStatus.choices}
    for sheet in sheets:
        status_counts[sheet.get_status_display()] += 1
    indicators = []
    for sheet in sheets:
        for indicator in sheet.evaluation_indicators.all():
            measured = next((m.value for m in indicator.measures.all() if m.year == year), None)
            indicators.append(
                {
                    "sheet": sheet.number,
                    "label": indicator.label,
                    "unit": indicator.unit,
                    "baseline": indicator.baseline,
                    "target": indicator.target,
                    "measured": measured,
                    "reached": measured is not None and indicator.target is not None and measured >= indicator.target,
                }
            )
    budget = defaultdict(lambda: {"planned": Decimal(0), "spent": Decimal(0)})
    for sheet in sheets:
        for line in sheet.budget_lines.all():
            if line.year == year:
                key = f"{line.get_kind_display()} ({line.get_unit_display()})"
                budget[key]["planned"] += line.planned
                budget[key]["spent"] += line.spent or 0
    funding = defaultdict(Decimal)
    for sheet in sheets:
        for line in sheet.funding_lines.all():
            if line.year in (year, None):
                funding[line.funder] += line.amount
    highlights = list(
        SheetUpdate.objects.filter(convention=convention, created_at__year=year)
        .select_related("sheet__objective__axis", "organisation")
        .order_by("-created_at")[:20]
    )
    return {
        "year": year,
        "sheets": sheets,
        "by_axis": by_axis,
        "status_counts": status_counts,
        "indicators": indicators,
        "budget": dict(budget),
        "funding": sorted(funding.items(), key=lambda item: -item[1]),
        "highlights": highlights,
        "average_progress": round(sum(s.progress for s in sheets) / len(sheets), 1) if sheets else 0,
        "axis_chart": bar_chart(
            [(a["title"], a["progress"]) for a in by_axis], title="Avancement moyen par axe (%)", unit=" %", maximum=100
        ),
        "status_chart": bar_chart(list(status_counts.items()), title="Fiches par statut"),
    }


def review_html(convention, year: int) -> str:
    context = {"convention": convention, **review_data(convention, year)}
    return keep_together(render_to_string("documents/review.html", context))


def review_pdf(convention, year: int) -> bytes:
    return html_to_pdf(review_html(convention, year))


def review_docx(convention, year: int) -> bytes:
    """The same review, editable: the charts stay in the PDF, their figures are in the tables."""
    properties = Properties(
        title=f"Bilan {year} — {convention.title}",
        subject=f"Bilan annuel {year} de la convention territoriale globale",
        author=convention.caf.name,
        keywords="bilan, convention territoriale globale, CTG",
    )
    return html_to_docx(review_html(convention, year), properties, draft=False)


def review_xlsx(convention, year: int) -> bytes:
    data = review_data(convention, year)
    book = tablib.Databook()
    sheets = tablib.Dataset(headers=["numéro", "fiche", "pilote", "statut", "avancement (%)"], title="Fiches")
    for sheet in data["sheets"]:
        sheets.append(
            [
                sheet.number,
                sheet.title,
                sheet.pilot.name if sheet.pilot else "",
                sheet.get_status_display(),
                sheet.progress,
            ]
        )
    axes = tablib.Dataset(headers=["axe", "fiches", "avancement moyen (%)"], title="Axes")
    for row in data["by_axis"]:
        axes.append([row["title"], row["sheets"], row["progress"]])
    indicators = tablib.Dataset(
        headers=["fiche", "indicateur", "unité", "départ", "cible", f"mesure {year}"], title="Indicateurs"
    )
    for row in data["indicators"]:
        indicators.append([row["sheet"], row["label"], row["unit"], row["baseline"], row["target"], row["measured"]])
    budget = tablib.Dataset(headers=["nature", "prévu", "réalisé"], title="Budget")
    for key, values in data["budget"].items():
        budget.append([key, values["planned"], values["spent"]])
    funding = tablib.Dataset(headers=["financeur", "montant (€)"], title="Financements")
    for funder, amount in data["funding"]:
        funding.append([funder, amount])
    highlights = tablib.Dataset(headers=["date", "fiche", "point d'étape"], title="Faits marquants")
    for update in data["highlights"]:
        highlights.append([update.created_at.date().isoformat(), update.sheet.number, update.note])
    for dataset in (sheets, axes, indicators, budget, funding, highlights):
        book.add_sheet(neutralised(dataset))
    return book.export("xlsx")
