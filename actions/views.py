from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Prefetch
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from actions import services, spreadsheet_import
from actions.filters import SheetFilterForm
from actions.follow_up import follow_up_changes, record_follow_up, sheet_lists_history
from actions.forms import (
    SHEET_FORMSET_TITLES,
    SHEET_FORMSETS,
    ActionSheetForm,
    AxisForm,
    FollowUpForm,
    MoveSheetForm,
    ObjectiveForm,
    SheetProgressForm,
)
from actions.models import ActionSheet, Axis, Objective, PendingSheetImport, SheetsInPlanOrder
from actions.review import review_data, review_docx, review_pdf, review_xlsx
from ctg.forms import CommentForm
from ctg.lib.history import changes_of, saves_of
from ctg.lib.office import CONTENT_TYPE as DOCX_TYPE
from ctg.lib.spreadsheets import MAX_UPLOAD_BYTES
from ctg.models import Comment, Convention
from ctg.parts import PartCreateView, PartDeleteView, PartUpdateView
from ctg.permissions import get_convention_for
from territories.models import Organisation

SHEET_PAGE_SIZE = 25


def plan_detail(request, convention_pk):
    convention = get_convention_for(request.user, Convention.objects.with_territory(), convention_pk)
    sheets = ActionSheet.objects.with_late().select_related("pilot").order_by("position", "pk")
    axes = convention.axes.prefetch_related(
        Prefetch("objectives", queryset=Objective.objects.order_by("position", "pk")),
        Prefetch("objectives__sheets", queryset=sheets),
    )
    return render(request, "actions/plan_detail.html", {"convention": convention, "axes": axes})


# --- Axes and objectives -------------------------------------------------------------------


class PlanPart:
    success_url_name = "plan_detail"


class AxisCreate(PlanPart, PartCreateView):
    model, form_class, label = Axis, AxisForm, "axe"

    def before_create(self, obj):
        obj.position = services._next_position(self.convention.axes)


class AxisUpdate(PlanPart, PartUpdateView):
    model, form_class, label, pk_kwarg = Axis, AxisForm, "axe", "axis_pk"


class AxisDelete(PlanPart, PartDeleteView):
    model, label, pk_kwarg = Axis, "axe", "axis_pk"

    def delete(self, obj):
        services.delete_item(obj)


class ObjectiveCreate(PlanPart, PartCreateView):
    model, form_class, label = Objective, ObjectiveForm, "objectif"

    def before_create(self, obj):
        obj.axis = get_object_or_404(self.convention.axes, pk=self.kwargs["axis_pk"])
        obj.position = services._next_position(obj.axis.objectives)


class ObjectiveUpdate(PlanPart, PartUpdateView):
    model, form_class, label, pk_kwarg = Objective, ObjectiveForm, "objectif", "objective_pk"


class ObjectiveDelete(PlanPart, PartDeleteView):
    model, label, pk_kwarg = Objective, "objectif", "objective_pk"

    def delete(self, obj):
        services.delete_item(obj)


MOVABLE = {"axe": (Axis, "axis_pk"), "objectif": (Objective, "objective_pk"), "fiche": (ActionSheet, "sheet_pk")}


def _move(request, convention_pk, model, pk, label):
    convention = get_convention_for(request.user, Convention.objects.all(), convention_pk, "edit")
    item = get_object_or_404(model.objects.filter(convention=convention), pk=pk)
    direction = -1 if request.POST.get("direction") == "up" else 1
    if not services.move(item, direction):
        messages.info(request, f"Cet {label} est déjà {'en tête' if direction < 0 else 'en dernier'}.")
    return redirect("plan_detail", convention_pk=convention.pk)


@require_POST
def axis_move(request, convention_pk, axis_pk):
    return _move(request, convention_pk, Axis, axis_pk, "axe")


@require_POST
def objective_move(request, convention_pk, objective_pk):
    return _move(request, convention_pk, Objective, objective_pk, "objectif")


@require_POST
def sheet_move(request, convention_pk, sheet_pk):
    return _move(request, convention_pk, ActionSheet, sheet_pk, "fiche")


# --- Sheets -------------------------------------------------------------------------------


def _sheet_queryset():
    return ActionSheet.objects.with_late().select_related("objective__axis", "pilot")


def sheet_detail(request, convention_pk, sheet_pk):
    convention = get_convention_for(request.user, Convention.objects.with_territory(), convention_pk)
    sheet = get_object_or_404(
        _sheet_queryset()
        .with_stale()
        .filter(convention=convention)
        .prefetch_related(
            "steps",
            "budget_lines",
            "funding_lines",
            "evaluation_indicators__measures",
        ),
        pk=sheet_pk,
    )
    return render(
        request,
        "actions/sheet_detail.html",
        {
            "convention": convention,
            "sheet": sheet,
            "comments": Comment.objects.by_target(convention, "fiche").get(sheet.pk, []),
            "names": ActionSheet.objects.names_of(sheet, "partners", "communes", "fields"),
            "comment_form": CommentForm(),
            "move_form": MoveSheetForm(convention=convention, initial={"objective": sheet.objective_id})
            if convention.access.can_edit
            else None,
            "progress_form": SheetProgressForm(instance=sheet, prefix="suivi") if convention.access.can_edit else None,
            "may_follow_up": convention.access.may_follow_up(sheet),
            "is_stale": sheet.is_stale,
            "updates": sheet.updates.select_related("author", "organisation")[:10],
        },
    )


def _sheet_form_page(request, convention, sheet, initial=None):
    data = request.POST or None
    # « + Ajouter une ligne » without JavaScript: the form comes back as typed, one row longer.
    adding = request.POST.get("add_row") if request.method == "POST" else None
    if adding in SHEET_FORMSETS:
        data = request.POST.copy()
        total = f"{adding}-TOTAL_FORMS"
        data[total] = str(int(data.get(total) or 0) + 1)
    form = ActionSheetForm(data, instance=sheet, convention=convention, initial=initial)
    formsets = {
        name: formset_class(data, instance=sheet, prefix=name) for name, formset_class in SHEET_FORMSETS.items()
    }
    conflict = None
    if adding in SHEET_FORMSETS:
        form.errors.clear()  # nothing was submitted yet: no error to show
        for formset in formsets.values():
            for subform in formset.forms:
                subform.errors.clear()
    elif request.method == "POST" and form.is_valid() and all(f.is_valid() for f in formsets.values()):
        with transaction.atomic():
            is_new = sheet.pk is None
            if not is_new:
                # Optimistic concurrency: the row is locked, then compared with what the form
                # was opened on; a second writer is told instead of overwriting the first.
                current = ActionSheet.objects.select_for_update().get(pk=sheet.pk)
                if services.sheet_fingerprint(current) != request.POST.get("fingerprint"):
                    conflict = current
            if conflict is None:
                saved = form.save(commit=False)
                if is_new:
                    services.place_new_sheet(saved)
                elif "objective" in form.changed_data:
                    new_objective = saved.objective
                    saved.objective_id = form.initial["objective"]
                    services.move_sheet(saved, new_objective)
                saved.save()
                form.save_m2m()
                for formset in formsets.values():
                    formset.instance = saved
                    formset.save()
        if conflict is None:
            messages.success(request, f"Fiche {saved.number} enregistrée.")
            return redirect(saved)
    if conflict is not None:
        conflict = _sheet_queryset().prefetch_related("steps", "budget_lines", "funding_lines").get(pk=sheet.pk)
        conflict.editor, conflict.edited_at = services.last_editor(conflict)
    return render(
        request,
        "actions/sheet_form.html",
        {
            "convention": convention,
            "sheet": sheet,
            "form": form,
            "formsets": [(SHEET_FORMSET_TITLES[name], formset) for name, formset in formsets.items()],
            "conflict": conflict,
            "fingerprint": _fingerprint_to_send(request, sheet, conflict),
        },
        status=409 if conflict else (400 if request.method == "POST" and not adding else 200),
    )


def _fingerprint_to_send(request, sheet, conflict):
    """After a conflict, the form is based on the sheet as it is now; a form refused for an
    input error keeps the state it was opened on (the instance holds the input by then)."""
    if conflict is not None:
        return services.sheet_fingerprint(conflict)
    if request.method == "POST":
        return request.POST.get("fingerprint", "")
    return services.sheet_fingerprint(sheet) if sheet.pk else ""


def sheet_create(request, convention_pk):
    convention = get_convention_for(request.user, Convention.objects.with_territory(), convention_pk, "edit")
    if not convention.objectives.exists():
        messages.error(request, "Ajoutez d'abord un axe et un objectif au plan d'actions.")
        return redirect("plan_detail", convention_pk=convention.pk)
    initial = {"objective": request.GET.get("objectif")} if request.GET.get("objectif", "").isdigit() else None
    return _sheet_form_page(request, convention, ActionSheet(convention=convention), initial)


def sheet_edit(request, convention_pk, sheet_pk):
    convention = get_convention_for(request.user, Convention.objects.with_territory(), convention_pk, "edit")
    sheet = get_object_or_404(ActionSheet.objects.filter(convention=convention), pk=sheet_pk)
    return _sheet_form_page(request, convention, sheet)


@require_POST
def sheet_duplicate(request, convention_pk, sheet_pk):
    convention = get_convention_for(request.user, Convention.objects.all(), convention_pk, "edit")
    sheet = get_object_or_404(ActionSheet.objects.filter(convention=convention), pk=sheet_pk)
    copy = services.duplicate_sheet(sheet)
    messages.success(request, f"Fiche dupliquée : voici la copie, n° {copy.number}.")
    return redirect(copy)


@require_POST
def sheet_move_to(request, convention_pk, sheet_pk):
    convention = get_convention_for(request.user, Convention.objects.all(), convention_pk, "edit")
    sheet = get_object_or_404(ActionSheet.objects.filter(convention=convention), pk=sheet_pk)
    form = MoveSheetForm(request.POST, convention=convention)
    if form.is_valid():
        services.move_sheet(sheet, form.cleaned_data["objective"])
        sheet.refresh_from_db()
        messages.success(request, f"Fiche déplacée : elle porte maintenant le n° {sheet.number}.")
    else:
        messages.error(request, "Choisissez un objectif de cette convention.")
    return redirect(sheet)


class SheetDelete(PlanPart, PartDeleteView):
    model, label, pk_kwarg = ActionSheet, "fiche action", "sheet_pk"
    feminine = True

    def delete(self, obj):
        services.delete_item(obj)


def sheet_history(request, convention_pk, sheet_pk):
    convention = get_convention_for(request.user, Convention.objects.with_territory(), convention_pk)
    sheet = get_object_or_404(ActionSheet.objects.with_numbers().filter(convention=convention), pk=sheet_pk)
    changes = changes_of(
        [("fiche action", ActionSheet.history.filter(id=sheet.pk)), *sheet_lists_history([sheet.pk])],
        follow_up_changes(sheet.updates.all()),
    )
    page = Paginator(saves_of(changes), 30).get_page(request.GET.get("page"))
    return render(request, "ctg/convention_history.html", {"convention": convention, "sheet": sheet, "page": page})


SHEET_LIST_COLUMNS = (
    "title",
    "status",
    "progress",
    "position",
    "code",
    "end_date",
    "convention__title",
    "objective__position",
    "objective__code",
    "objective__axis__position",
    "objective__axis__code",
    "pilot__name",
)


def sheet_list(request):
    """Every sheet of the conventions the user sees, filterable across them."""
    conventions = list(Convention.objects.for_user(request.user).values_list("pk", flat=True))
    sheets = (
        ActionSheet.objects.with_late()
        .filter(convention__in=conventions)
        # Sorted and joined for the conventions a page spans only (SheetsInPlanOrder).
        .select_related("convention", "objective__axis", "pilot")
        # The table's columns only: a CAF's sheets and conventions carry long texts.
        .only(*SHEET_LIST_COLUMNS)
    )
    pilots = Organisation.objects.filter(
        pk__in=ActionSheet.objects.filter(convention__in=conventions).values("pilot_id")
    ).order_by("name")
    form = SheetFilterForm(request.GET or None, pilots=pilots)
    page = Paginator(SheetsInPlanOrder(form.filter(sheets)), SHEET_PAGE_SIZE).get_page(request.GET.get("page"))
    template = "actions/includes/_sheet_table.html" if request.htmx else "actions/sheet_list.html"
    return render(request, template, {"form": form, "page": page})


# --- Spreadsheets -------------------------------------------------------------------------

SPREADSHEET_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}


def sheet_export(request, convention_pk, file_format):
    convention = get_convention_for(request.user, Convention.objects.with_territory(), convention_pk)
    if file_format not in SPREADSHEET_TYPES:
        raise Http404
    response = HttpResponse(
        spreadsheet_import.export_sheets(convention, file_format), content_type=SPREADSHEET_TYPES[file_format]
    )
    response["Content-Disposition"] = f'attachment; filename="fiches-action-convention-{convention.pk}.{file_format}"'
    return response


def sheet_import(request, convention_pk):
    """Upload, then a preview of what would change; nothing is saved before confirmation."""
    convention = get_convention_for(request.user, Convention.objects.with_territory(), convention_pk, "edit")
    context = {"convention": convention}
    if request.method == "POST":
        upload = request.FILES.get("fichier")
        if upload is None:
            context["report"] = spreadsheet_import.ImportReport(rows=[], errors=[(None, "Choisissez un fichier.")])
        elif upload.size > MAX_UPLOAD_BYTES:
            context["report"] = spreadsheet_import.ImportReport(rows=[], errors=[(None, "Le fichier dépasse 5 Mo.")])
        else:
            raw = upload.read()
            report = spreadsheet_import.run_import(convention, upload.name, raw, dry_run=True)
            context["report"] = report
            if report.ok:
                context["pending"] = spreadsheet_import.store_pending(convention, request.user, upload.name, raw)
                context["created"] = report.count("création")
                context["updated"] = report.count("modification")
                context["unchanged"] = report.count("inchangée")
        return render(request, "actions/sheet_import.html", context, status=200 if context["report"].ok else 400)
    return render(request, "actions/sheet_import.html", context)


@require_POST
def sheet_import_confirm(request, convention_pk, import_pk):
    convention = get_convention_for(request.user, Convention.objects.with_territory(), convention_pk, "edit")
    pending = get_object_or_404(
        PendingSheetImport.objects.filter(convention=convention, user=request.user), pk=import_pk
    )
    report = spreadsheet_import.run_import(
        convention, pending.filename, spreadsheet_import.raw_bytes(pending), dry_run=False
    )
    if not report.ok:
        # The plan changed since the preview: show the new problems, save nothing.
        return render(request, "actions/sheet_import.html", {"convention": convention, "report": report}, status=400)
    pending.delete()
    messages.success(
        request,
        f"Import terminé : {report.count('création')} fiche(s) créée(s), "
        f"{report.count('modification')} modifiée(s), {report.count('inchangée')} inchangée(s).",
    )
    return redirect("plan_detail", convention_pk=convention.pk)


def sheet_progress(request, convention_pk, sheet_pk):
    """Status and progress in place: htmx swaps the card, a plain POST comes back to the sheet."""
    convention = get_convention_for(request.user, Convention.objects.all(), convention_pk, "edit")
    sheet = get_object_or_404(_sheet_queryset().filter(convention=convention), pk=sheet_pk)
    form = SheetProgressForm(request.POST or None, instance=sheet, prefix="suivi")
    if request.method == "POST" and form.is_valid():
        form.save()
        sheet = _sheet_queryset().get(pk=sheet.pk)
        if not request.htmx:
            messages.success(request, "Statut et avancement enregistrés.")
            return redirect(sheet)
        form = SheetProgressForm(instance=sheet, prefix="suivi")
        saved = True
    else:
        saved = False
    status = 400 if form.errors else 200
    template = "actions/includes/_sheet_progress.html" if request.htmx else "actions/sheet_progress.html"
    return render(
        request,
        template,
        {"convention": convention, "sheet": sheet, "progress_form": form, "saved": saved},
        status=status,
    )


def sheet_follow_up(request, convention_pk, sheet_pk):
    """A pilot's update of a sheet of a convention in force, kept in the sheet's log."""
    from django.core.exceptions import PermissionDenied
    from django.utils import timezone

    convention = get_convention_for(request.user, Convention.objects.with_territory(), convention_pk)
    sheet = get_object_or_404(_sheet_queryset().filter(convention=convention), pk=sheet_pk)
    if not convention.access.may_follow_up(sheet):
        raise PermissionDenied(
            "Seuls le pilote de la fiche, l'intercommunalité et la Caf la mettent à jour, une fois la convention figée."
        )
    initial = {"status": sheet.status, "progress": sheet.progress, "year": timezone.localdate().year}
    form = FollowUpForm(request.POST or None, sheet=sheet, initial=initial)
    if request.method == "POST" and form.is_valid():
        record_follow_up(
            sheet,
            request.user,
            status=form.cleaned_data["status"],
            progress=form.cleaned_data["progress"],
            note=form.cleaned_data["note"],
            spent=form.spent(),
            measures=form.measures(),
        )
        messages.success(request, f"Fiche {sheet.number} mise à jour : merci.")
        return redirect(sheet)
    return render(
        request,
        "actions/sheet_follow_up.html",
        {
            "convention": convention,
            "sheet": sheet,
            "form": form,
            "updates": sheet.updates.select_related("author", "organisation")[:20],
        },
        status=400 if form.errors else 200,
    )


def review(request, convention_pk, year):
    """The yearly review: the page, and its PDF, DOCX and XLSX."""

    convention = get_convention_for(request.user, Convention.objects.with_territory(), convention_pk)
    if not convention.start_date.year <= year <= convention.end_date.year:
        raise Http404("Cette année n'est pas dans la période de la convention.")
    file_format = request.GET.get("format")
    writers = {"pdf": review_pdf, "docx": review_docx, "xlsx": review_xlsx}
    if file_format in writers:
        content = writers[file_format](convention, year)
        types = {"pdf": "application/pdf", "docx": DOCX_TYPE, "xlsx": SPREADSHEET_TYPES["xlsx"]}
        response = HttpResponse(content, content_type=types[file_format])
        response["Content-Disposition"] = (
            f'attachment; filename="bilan-{year}-convention-{convention.pk}.{file_format}"'
        )
        return response
    years = range(convention.start_date.year, convention.end_date.year + 1)
    return render(
        request, "actions/review.html", {"convention": convention, "years": years, **review_data(convention, year)}
    )
