"""Figures of the dashboards, computed with a fixed number of queries whatever the data."""

from datetime import timedelta

from django.db.models import Count, Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone

from actions.models import ActionSheet, SheetStatus, Step
from ctg.lib.charts import bar_chart
from ctg.lifecycle import DELIBERATING, Status
from ctg.models import Convention
from governance.models import Deliberation, SignatureRequest

FIGURES = (
    "deliberations_total",
    "deliberations_adopted",
    "signatures_total",
    "signatures_done",
    "sheets_total",
    "late_sheets",
)


def _grouped(queryset, **counts) -> dict:
    """{(convention id, figure): value} of `counts` per convention, in one query."""
    # No ordering: the models' default one (by party name) would join two tables per row.
    rows = queryset.order_by().values("convention_id").annotate(**counts)
    return {(row["convention_id"], name): row[name] for row in rows for name in counts}


def caf_dashboard(user, cafs: list[int]) -> dict:
    """All the conventions of the user's CAF(s): status, deliberations and signatures,
    renewals due within 12 months, late sheets."""
    today = timezone.localdate()
    conventions = list(
        Convention.objects.for_user(user)
        .filter(caf_id__in=cafs)
        .select_related("epci", "commune")
        # The table's columns: not the presentations, nor the territories' other columns.
        .only("title", "status", "start_date", "end_date", "epci__name", "commune__name")
        .annotate(has_renewal=Exists(Convention.objects.filter(previous=OuterRef("pk"))))
        .order_by("end_date", "title")
    )
    # One grouped count per table for all the conventions at once (a correlated subquery per
    # figure ran once per convention).
    ids = [convention.pk for convention in conventions]
    figures = _grouped(
        Deliberation.objects.filter(convention_id__in=ids, version__superseded=False),
        deliberations_total=Count("pk"),
        deliberations_adopted=Count("pk", filter=Q(outcome="adopted")),
    )
    figures |= _grouped(
        SignatureRequest.objects.filter(convention_id__in=ids, version__superseded=False),
        signatures_total=Count("pk"),
        signatures_done=Count("pk", filter=Q(status="signed")),
    )
    figures |= _grouped(
        ActionSheet.objects.filter(convention_id__in=ids).with_late(today),
        sheets_total=Count("pk"),
        late_sheets=Count("pk", filter=Q(is_late=True)),
    )
    for convention in conventions:
        for name in FIGURES:
            setattr(convention, name, figures.get((convention.pk, name), 0))
    renewal_limit = today + timedelta(days=365)
    for convention in conventions:
        convention.renewal_due = (
            convention.status in (Status.SIGNED, Status.IN_FORCE, Status.ENDED)
            and convention.end_date <= renewal_limit
            and not convention.has_renewal
        )
    statuses = {label: 0 for _, label in Status.choices}
    for convention in conventions:
        statuses[convention.get_status_display()] += 1
    return {
        "conventions": conventions,
        "status_counts": statuses,
        "status_chart": bar_chart(list(statuses.items()), title="Conventions par statut"),
        "renewals": [c for c in conventions if c.renewal_due],
        "late_total": sum(c.late_sheets for c in conventions),
    }


def convention_dashboard(convention) -> dict:
    """For the coordinator: progress by axis, sheets by status, the next deadlines."""
    today = timezone.localdate()
    # Plain rows, not model instances: a plan has dozens of sheets and the page shows figures.
    sheets = list(
        convention.sheets.with_late(today)
        .with_stale()
        .order_by("objective__axis__position", "objective__position", "position")
        .values(
            "pk",
            "position",
            "title",
            "status",
            "progress",
            "end_date",
            "is_late",
            "is_stale",
            "objective__position",
            "objective__axis_id",
            "objective__axis__position",
            "objective__axis__title",
        )
    )
    axes = {}
    for sheet in sheets:
        title = f"{sheet['objective__axis__position']}. {sheet['objective__axis__title']}"
        axes.setdefault(sheet["objective__axis_id"], (title, []))[1].append(sheet["progress"])
    by_axis = [(title, round(sum(values) / len(values), 1)) for title, values in axes.values()]
    labels = dict(SheetStatus.choices)
    statuses = {}
    for sheet in sheets:
        statuses[labels[sheet["status"]]] = statuses.get(labels[sheet["status"]], 0) + 1
    horizon = today + timedelta(days=90)
    deadlines = [
        (
            sheet["end_date"],
            f"Fin de la fiche {sheet['objective__axis__position']}.{sheet['objective__position']}.{sheet['position']}"
            f" — {sheet['title']}",
            reverse("sheet_detail", kwargs={"convention_pk": convention.pk, "sheet_pk": sheet["pk"]}),
        )
        for sheet in sheets
        if sheet["end_date"] and today <= sheet["end_date"] <= horizon and sheet["status"] in ("a_lancer", "en_cours")
    ]
    numbers = {
        sheet["pk"]: f"{sheet['objective__axis__position']}.{sheet['objective__position']}.{sheet['position']}"
        for sheet in sheets
    }
    for step in Step.objects.filter(sheet__convention=convention, done=False, end_date__range=(today, horizon)).values(
        "title", "end_date", "sheet_id"
    ):
        deadlines.append(
            (
                step["end_date"],
                f"Étape « {step['title']} » (fiche {numbers[step['sheet_id']]})",
                reverse("sheet_detail", kwargs={"convention_pk": convention.pk, "sheet_pk": step["sheet_id"]}),
            )
        )
    if convention.status in DELIBERATING:  # councils decide only then
        for due_date, name in Deliberation.objects.filter(
            convention=convention, outcome="pending", due_date__gte=today
        ).values_list("due_date", "party__organisation__name"):
            deadlines.append((due_date, f"Délibération de {name}", None))
    return {
        "axis_rows": by_axis,
        "axis_chart": bar_chart(by_axis, title="Avancement moyen par axe (%)", unit=" %", maximum=100)
        if by_axis
        else "",
        "status_rows": sorted(statuses.items()),
        "status_chart": bar_chart(sorted(statuses.items()), title="Fiches par statut") if statuses else "",
        "deadlines": sorted(deadlines, key=lambda item: item[0])[:10],
        "late_count": sum(1 for sheet in sheets if sheet["is_late"]),
        "stale_count": sum(1 for sheet in sheets if sheet["is_stale"]),
    }
