"""A readable change history from django-simple-history's tables: who changed what, when,
field by field, with one query per queryset of records whatever the number of changes."""

from dataclasses import dataclass, field
from datetime import datetime

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


@dataclass
class Change:
    date: datetime
    user: object
    kind: str
    label: str
    object_repr: str
    reason: str = ""
    fields: list = field(default_factory=list)  # (label, old, new)


def _short(value) -> str:
    text = "—" if value in (None, "") else str(value)
    return text if len(text) <= 120 else text[:117] + "…"


def _changes(records, label) -> list[Change]:
    changes, previous = [], {}
    model = records.model.instance_type if hasattr(records, "model") else None
    for record in records:
        old = previous.get(record.id)
        entry = Change(
            date=record.history_date,
            user=record.history_user,
            kind=KIND[record.history_type],
            label=label,
            object_repr=_repr(record),
            reason=record.history_change_reason or "",
        )
        if old is not None and record.history_type == "~":
            for model_field in model._meta.fields:
                name = model_field.attname
                if name in IGNORED_FIELDS or not hasattr(record, name):  # excluded from the history
                    continue
                before, after = getattr(old, name), getattr(record, name)
                if before != after:
                    entry.fields.append((str(model_field.verbose_name), _short(before), _short(after)))
            if not entry.fields and not entry.reason:
                previous[record.id] = record
                continue
        changes.append(entry)
        previous[record.id] = record
    return changes


def _repr(record) -> str:
    """A label read from the record's own columns (no query per record)."""
    if hasattr(record, "organisation_id") and "organisation" in record._state.fields_cache:
        return record.organisation.name
    if record.instance_type.__name__ == "Diagnostic":
        return "synthèse et méthode"
    for name in ("title", "label", "text"):
        if hasattr(record, name):
            return _short(getattr(record, name))
    return f"n° {record.id}"


def changes_of(querysets, others=()) -> list[Change]:
    """The changes of [(label, historical records)], with `others` (changes recorded
    elsewhere, as Change), newest first."""
    changes = list(others)
    for label, records in querysets:
        changes += _changes(records.select_related("history_user").order_by("history_date", "history_id"), label)
    return sorted(changes, key=lambda change: change.date, reverse=True)
