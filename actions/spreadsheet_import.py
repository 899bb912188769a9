"""Importing action sheets from a spreadsheet: a dry run that lists what would change and
every bad row, then, once confirmed, the same import for real, all or nothing."""

from dataclasses import dataclass, field
from datetime import timedelta

from django.utils import timezone

from actions.models import ActionSheet, PendingSheetImport
from actions.resources import ActionSheetResource
from ctg.lib.spreadsheets import SpreadsheetError, read_upload, to_csv, to_xlsx

EXPECTED_HEADERS = {"objectif", "intitulé"}
ROW_KIND = {"new": "création", "update": "modification", "skip": "inchangée", "delete": "suppression"}


@dataclass
class RowReport:
    number: int
    kind: str
    title: str
    errors: list = field(default_factory=list)


@dataclass
class ImportReport:
    rows: list
    errors: list  # (row number, message)

    @property
    def ok(self):
        return not self.errors

    def count(self, kind):
        return sum(1 for row in self.rows if row.kind == kind)


def export_sheets(convention, file_format: str) -> bytes:
    dataset = ActionSheetResource(convention).export()
    return to_xlsx(dataset) if file_format == "xlsx" else to_csv(dataset)


class _Upload:
    def __init__(self, name, raw):
        self.name, self.size, self._raw = name, len(raw), raw

    def read(self):
        return self._raw


def run_import(convention, filename: str, raw: bytes, *, dry_run: bool) -> ImportReport:
    try:
        dataset = read_upload(_Upload(filename, raw))
    except SpreadsheetError as error:
        return ImportReport(rows=[], errors=[(None, str(error))])
    missing = EXPECTED_HEADERS - set(dataset.headers or [])
    if missing:
        return ImportReport(
            rows=[], errors=[(1, f"colonne(s) manquante(s) : {', '.join(sorted(missing))} (partez d'un export)")]
        )
    result = ActionSheetResource(convention).import_data(dataset, dry_run=dry_run, raise_errors=False)
    errors, rows = [], []
    for error in result.base_errors:
        errors.append((None, str(error.error)))
    for index, row in enumerate(result.rows, start=2):
        title = str(dataset[index - 2][dataset.headers.index("intitulé")] or "")
        report = RowReport(index, ROW_KIND.get(row.import_type, row.import_type), title)
        for error in row.errors:
            report.errors.append(_message(error.error))
        if row.validation_error is not None:
            for field_name, messages in row.validation_error.message_dict.items():
                label = _column(field_name)
                report.errors += [f"{label} : {message}" for message in messages]
        errors += [(index, message) for message in report.errors]
        rows.append(report)
    return ImportReport(rows=rows, errors=errors)


def _message(error: Exception) -> str:
    text = str(error)
    return text.split(": ", 1)[-1] if text.startswith(("Column", "Colonne")) else text


def _column(field_name):

    if field_name == "__all__":
        return "fiche"
    try:
        return str(ActionSheet._meta.get_field(field_name).verbose_name)
    except Exception:  # noqa: BLE001
        return field_name


def store_pending(convention, user, filename, raw) -> PendingSheetImport:
    PendingSheetImport.objects.filter(created_at__lt=timezone.now() - timedelta(days=1)).delete()
    return PendingSheetImport.objects.create(convention=convention, user=user, filename=filename, content=raw)


def raw_bytes(pending: PendingSheetImport) -> bytes:
    return bytes(pending.content) if not isinstance(pending.content, bytes) else pending.content
