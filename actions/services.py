"""The action plan's structure: adding, moving, duplicating and deleting axes, objectives
and sheets while their numbers (1, 1.2, 1.2.3) stay consecutive."""

import hashlib
import json

from django.db import transaction
from django.db.models import F, Max

from actions.models import (
    ActionSheet,
    Axis,
    BudgetLine,
    FundingLine,
    IndicatorMeasure,
    Objective,
    Step,
)


def _next_position(queryset) -> int:
    return (queryset.aggregate(top=Max("position"))["top"] or 0) + 1


def renumber(queryset) -> None:
    """Give the items of `queryset` the positions 1..n in their current order."""
    changed = []
    for position, item in enumerate(queryset.order_by("position", "pk"), start=1):
        if item.position != position:
            item.position = position
            changed.append(item)
    if changed:
        type(changed[0]).objects.bulk_update(changed, ["position"])


def siblings(item):
    if isinstance(item, Axis):
        return Axis.objects.filter(convention_id=item.convention_id)
    if isinstance(item, Objective):
        return Objective.objects.filter(axis_id=item.axis_id)
    return ActionSheet.objects.filter(objective_id=item.objective_id)


@transaction.atomic
def add_axis(convention, **fields) -> Axis:
    return Axis.objects.create(convention=convention, position=_next_position(convention.axes), **fields)


@transaction.atomic
def add_objective(axis, **fields) -> Objective:
    return Objective.objects.create(
        axis=axis, convention_id=axis.convention_id, position=_next_position(axis.objectives), **fields
    )


def place_new_sheet(sheet: ActionSheet) -> ActionSheet:
    """Complete a new, unsaved sheet with its convention and its place at the end of its objective."""
    sheet.convention_id = sheet.objective.convention_id
    sheet.position = _next_position(ActionSheet.objects.filter(objective_id=sheet.objective_id))
    return sheet


@transaction.atomic
def move(item, direction: int) -> bool:
    """Swap the item with its neighbour above (-1) or below (+1); False at either end."""
    renumber(siblings(item))
    item.refresh_from_db(fields=["position"])
    neighbour = siblings(item).filter(position=item.position + direction).first()
    if neighbour is None:
        return False
    neighbour.position, item.position = item.position, neighbour.position
    type(item).objects.bulk_update([item, neighbour], ["position"])
    return True


@transaction.atomic
def move_sheet(sheet: ActionSheet, objective: Objective) -> ActionSheet:
    """Put the sheet at the end of another objective of the same convention."""
    if objective.convention_id != sheet.convention_id:
        raise ValueError("L'objectif doit appartenir à la même convention.")
    if objective.pk == sheet.objective_id:
        return sheet
    source = sheet.objective_id
    sheet.objective = objective
    sheet.position = _next_position(ActionSheet.objects.filter(objective=objective))
    sheet.save(update_fields=["objective", "position", "updated_at"])
    renumber(ActionSheet.objects.filter(objective_id=source))
    return sheet


def _clones(objects, **changes):
    """Unsaved copies of `objects` with `changes` applied."""
    copies = []
    for obj in objects:
        obj.pk = None
        obj._state.adding = True
        for name, value in changes.items():
            setattr(obj, name, value)
        copies.append(obj)
    return copies


@transaction.atomic
def duplicate_sheet(sheet: ActionSheet) -> ActionSheet:
    """A copy of the sheet with its steps, budget, funding and indicators, right after it."""
    ActionSheet.objects.filter(objective_id=sheet.objective_id, position__gt=sheet.position).update(
        position=F("position") + 1
    )
    original = ActionSheet.objects.prefetch_related(
        "communes",
        "partners",
        "fields",
        "steps",
        "budget_lines",
        "funding_lines",
        "evaluation_indicators__measures",
    ).get(pk=sheet.pk)
    (copy,) = _clones([ActionSheet.objects.get(pk=sheet.pk)], title=f"{sheet.title} (copie)"[:255])
    copy.position = sheet.position + 1
    copy.save()
    copy.communes.set(original.communes.all())
    copy.partners.set(original.partners.all())
    copy.fields.set(original.fields.all())
    Step.objects.bulk_create(_clones(original.steps.all(), sheet=copy))
    BudgetLine.objects.bulk_create(_clones(original.budget_lines.all(), sheet=copy))
    FundingLine.objects.bulk_create(_clones(original.funding_lines.all(), sheet=copy))
    for indicator in original.evaluation_indicators.all():
        measures = list(indicator.measures.all())
        (indicator_copy,) = _clones([indicator], sheet=copy)
        indicator_copy.save()
        IndicatorMeasure.objects.bulk_create(_clones(measures, indicator=indicator_copy))
    return copy


@transaction.atomic
def delete_item(item) -> None:
    """Delete an axis (with its objectives and sheets), an objective or a sheet, and renumber."""
    remaining = siblings(item).exclude(pk=item.pk)
    item.delete()
    renumber(remaining)


# Fields an edit form does not write: moving a neighbour renumbers, reminders are bookkeeping.
_NOT_EDITED = {"updated_at", "position", "followed_up_at", "follow_up_reminded_at"}


def sheet_fingerprint(sheet: ActionSheet) -> str:
    """What an edit form was opened on: the sheet's fields, lists and lines. Saving a form
    whose fingerprint is no longer the sheet's would overwrite someone else's change."""
    state = {
        field.attname: getattr(sheet, field.attname)
        for field in ActionSheet._meta.concrete_fields
        if field.name not in _NOT_EDITED
    }
    for name in ("fields", "communes", "partners"):
        state[name] = sorted(getattr(sheet, name).values_list("pk", flat=True))
    for name in ("steps", "budget_lines", "funding_lines", "evaluation_indicators"):
        state[name] = list(getattr(sheet, name).order_by("pk").values_list())
    return hashlib.sha256(json.dumps(state, sort_keys=True, default=str).encode()).hexdigest()


def last_editor(sheet: ActionSheet) -> tuple[str, object]:
    """Who saved the sheet last, and when (from its history)."""
    record = sheet.history.select_related("history_user").order_by("-history_date").first()
    if record is None:
        return "quelqu'un d'autre", sheet.updated_at
    user = record.history_user
    return (user.get_full_name() or user.email) if user else "quelqu'un d'autre", record.history_date
