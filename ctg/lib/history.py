"""A readable change history from django-simple-history's tables: who changed what, when,
field by field, in words (labels of choices, French dates and numbers, names instead of ids),
one entry per save; one query per queryset of records and one per kind of object named,
whatever the number of changes."""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db import models
from django.utils import timezone

from ctg.lib.typography import fr_date, fr_number

IGNORED_FIELDS = {
    "id",
    "history_id",
    "history_date",
    "history_user",
    "history_type",
    "history_change_reason",
    "position",
    "updated_at",
    "followed_up_at",
    "follow_up_reminded_at",
    "search_text",
}
KIND = {"+": "création", "~": "modification", "-": "suppression"}
# Changes by one person this close together are one save (a form and its lists).
SAVE_WINDOW = timedelta(seconds=5)
PLURALS = {
    "fiche action": "fiches action",
    "ligne de budget": "lignes de budget",
    "indicateur d'évaluation": "indicateurs d'évaluation",
}
NAME_FIELDS = ("name", "title", "label")


@dataclass
class Change:
    date: datetime
    user: object
    kind: str
    label: str
    object_repr: str
    reason: str = ""
    fields: list = field(default_factory=list)  # (label, old, new)
    count: int = 1

    @property
    def plural_label(self) -> str:
        return plural(self.label, self.count)


@dataclass
class Save:
    """What one person changed at once: a form with its lists, a selection of parties."""

    date: datetime
    user: object
    changes: list


def plural(label: str, count: int) -> str:
    if count < 2:
        return label
    return PLURALS.get(label, label if label.endswith(("s", "x")) else label + "s")


def _short(value) -> str:
    text = "—" if value in (None, "") else str(value)
    return text if len(text) <= 120 else text[:117] + "…"


class _Names:
    """The names of the objects a history points to, fetched once per model at the end."""

    def __init__(self):
        self.wanted: dict[type, set] = {}
        self.found: dict[tuple[type, object], str] = {}

    def ask(self, model, pk):
        if pk is not None:
            self.wanted.setdefault(model, set()).add(pk)
        return (model, pk)

    def resolve(self):
        for model, ids in self.wanted.items():
            names = [f.name for f in model._meta.fields if f.name in NAME_FIELDS]
            if model._meta.model_name == "user":
                rows = model.objects.filter(pk__in=ids).values_list("pk", "first_name", "last_name", "email")
                self.found.update({(model, pk): f"{first} {last}".strip() or email for pk, first, last, email in rows})
            elif names:
                self.found.update(
                    {(model, pk): name for pk, name in model.objects.filter(pk__in=ids).values_list("pk", names[0])}
                )

    def __call__(self, key) -> str:
        model, pk = key
        if pk is None:
            return "—"
        return _short(self.found.get(key, f"n° {pk} (supprimé)"))


def _value(model_field, value, names: _Names):
    """What a reader understands: "En cours" (not "en_cours"), "1er juillet 2025", "oui",
    "15 000", an organisation's name (a lazy reference, named once every name is fetched)."""
    if value in (None, "", []):
        return "—"
    if model_field.is_relation and model_field.many_to_one:
        return names.ask(model_field.related_model, value)
    choices = dict(model_field.flatchoices) if model_field.choices else None
    if isinstance(value, list):  # an array of choices (publics visés)
        base = getattr(model_field, "base_field", None)
        labels = dict(base.flatchoices) if base is not None and base.choices else {}
        return ", ".join(str(labels.get(item, item)) for item in value)
    if choices:
        return str(choices.get(value, value))
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, datetime):
        return f"{fr_date(timezone.localdate(value))} à {timezone.localtime(value):%H:%M}"
    if isinstance(value, date):
        return fr_date(value)
    if isinstance(model_field, models.DecimalField):
        return fr_number(value)
    return _short(value)


def _changes(records, label, names: _Names) -> list[Change]:
    changes, previous = [], {}
    model = records.model.instance_type if hasattr(records, "model") else None
    for record in records:
        old = previous.get(record.id)
        entry = Change(
            date=record.history_date,
            user=record.history_user,
            kind=KIND[record.history_type],
            label=label,
            object_repr=_repr(record, names),
            reason=record.history_change_reason or "",
        )
        if old is not None and record.history_type == "~":
            for model_field in model._meta.fields:
                name = model_field.attname
                if name in IGNORED_FIELDS or not hasattr(record, name):  # excluded from the history
                    continue
                before, after = getattr(old, name), getattr(record, name)
                if before != after:
                    entry.fields.append(
                        (
                            str(model_field.verbose_name),
                            _value(model_field, before, names),
                            _value(model_field, after, names),
                        )
                    )
            if not entry.fields and not entry.reason:
                previous[record.id] = record
                continue
        changes.append(entry)
        previous[record.id] = record
    return changes


def _repr(record, names: _Names):
    """A label read from the record's own columns (no query per record); a sheet's list item
    says which sheet it belongs to."""
    if hasattr(record, "organisation_id") and "organisation" in record._state.fields_cache:
        return record.organisation.name
    if record.instance_type.__name__ == "Diagnostic":
        return "synthèse et méthode"
    if hasattr(record, "sheet_id"):  # a sheet's list item: its own words (no relation read)
        sheet_model = record.instance_type._meta.get_field("sheet").related_model
        return (_short(str(record.instance)), names.ask(sheet_model, record.sheet_id))
    own = next((_short(getattr(record, name)) for name in ("title", "label", "text") if hasattr(record, name)), "")
    return own or f"n° {record.id}"


def _named(change: Change, names: _Names) -> Change:
    if isinstance(change.object_repr, tuple):
        own, sheet = change.object_repr
        change.object_repr = f"{own} (fiche « {names(sheet)} »)"
    change.fields = [
        (label, names(old) if isinstance(old, tuple) else old, names(new) if isinstance(new, tuple) else new)
        for label, old, new in change.fields
    ]
    return change


def changes_of(querysets, others=()) -> list[Change]:
    """The changes of [(label, historical records)], with `others` (changes recorded
    elsewhere, as Change), newest first."""
    names = _Names()
    changes = list(others)
    for label, records in querysets:
        changes += _changes(records.select_related("history_user").order_by("history_date", "history_id"), label, names)
    names.resolve()
    return sorted((_named(change, names) for change in changes), key=lambda change: change.date, reverse=True)


def saves_of(changes: list[Change]) -> list[Save]:
    """The changes (newest first) grouped by save: one person's changes within a few seconds;
    inside a save, the objects created or deleted together are counted in one line."""
    saves: list[Save] = []
    for change in changes:
        last = saves[-1] if saves else None
        if last and last.user == change.user and last.date - change.date <= SAVE_WINDOW:
            last.changes.append(change)
        else:
            saves.append(Save(change.date, change.user, [change]))
    for save in saves:
        merged: dict[tuple, Change] = {}
        kept = []
        for change in save.changes:
            key = (change.label, change.kind, change.reason)
            if change.fields or change.kind == "modification":
                kept.append(change)
            elif key in merged:
                merged[key].count += 1
                merged[key].object_repr += f"\x1f{change.object_repr}"
            else:
                merged[key] = Change(**{**change.__dict__})
                kept.append(merged[key])
        for change in merged.values():
            objects = change.object_repr.split("\x1f")
            if len(objects) > 1:
                shown = ", ".join(objects[:5])
                change.object_repr = shown + (f" et {len(objects) - 5} de plus" if len(objects) > 5 else "")
        save.changes = list(reversed(kept))  # in the order they were made
    return saves
