"""The change history of a convention and its parts, read from django-simple-history's
tables with one query per kind of object, whatever the number of changes."""

from actions.follow_up import SHEET_LISTS, follow_up_changes, sheet_lists_history
from actions.models import ActionSheet, Axis, Objective, SheetUpdate
from ctg.lib.history import Change, changes_of
from diagnostics.models import Diagnostic, Finding, Indicator, Need, Workshop
from governance.models import Party

# What the history shows, in the order of the page's legend.
TRACKED = [
    ("convention", None),
    ("partie", Party),
    ("diagnostic", Diagnostic),
    ("atelier", Workshop),
    ("indicateur", Indicator),
    ("constat", Finding),
    ("enjeu", Need),
    ("axe", Axis),
    ("objectif", Objective),
    ("fiche action", ActionSheet),
]
LABELS = [label for label, _model in TRACKED + SHEET_LISTS] + ["mise à jour de suivi"]


def convention_changes(convention, only: str = "") -> list[Change]:
    """Every recorded change of the convention and its parts, newest first; with `only`, the
    changes of one kind of element (a label of LABELS)."""
    sheets = ActionSheet.history.filter(convention_id=convention.pk).values("id")
    querysets = [("convention", type(convention).history.filter(id=convention.pk))] + [
        (label, model.history.filter(convention_id=convention.pk)) for label, model in TRACKED if model
    ]
    querysets += sheet_lists_history(sheets)
    return changes_of(
        [
            (label, records.select_related("organisation") if label == "partie" else records)
            for label, records in querysets
            if not only or label == only
        ],
        follow_up_changes(SheetUpdate.objects.filter(convention=convention))
        if only in ("", "mise à jour de suivi")
        else (),
    )
