"""Reading and writing spreadsheets safely: French CSV (";", UTF-8 with or without BOM, or
Windows-1252), XLSX with limits, and exports whose cells never start a formula."""

import csv
import io
import logging
import time
import zipfile

import openpyxl
import tablib
from defusedxml import DefusedXmlException

logger = logging.getLogger(__name__)

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_XLSX_UNCOMPRESSED_BYTES = 50 * 1024 * 1024
MAX_ROWS = 20_000
MAX_COLUMNS = 200
XLSX_READ_SECONDS = 20


class SpreadsheetError(Exception):
    """The file cannot be read; the message is for the user, in French."""


def neutralise(value):
    """A text cell that a spreadsheet would run as a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def restore(value):
    """The inverse of `neutralise`, for files that come back from an export."""
    if isinstance(value, str) and value.startswith("'") and value[1:].startswith(FORMULA_STARTS):
        return value[1:]
    return value


def neutralised(dataset: tablib.Dataset) -> tablib.Dataset:
    safe = tablib.Dataset(headers=dataset.headers, title=dataset.title)
    for row in dataset:
        safe.append([neutralise(cell) for cell in row])
    return safe


def to_csv(dataset: tablib.Dataset) -> bytes:
    """French Excel CSV: ";" separator, UTF-8 with a BOM so that Excel reads the accents."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(dataset.headers)
    for row in neutralised(dataset):
        writer.writerow(["" if cell is None else cell for cell in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_xlsx(dataset: tablib.Dataset) -> bytes:
    return neutralised(dataset).export("xlsx")


def _decode(raw: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise SpreadsheetError("Encodage du fichier non reconnu : enregistrez-le en CSV UTF-8 ou Windows-1252.")


def read_csv(raw: bytes) -> tablib.Dataset:
    text = _decode(raw)
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=";,\t")
        delimiter = dialect.delimiter
    except csv.Error:
        delimiter = ";"
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error:
        raise SpreadsheetError(
            "Le fichier CSV est mal formé (guillemets ou retours à la ligne) : enregistrez-le de nouveau depuis votre tableur."
        ) from None
    rows = [row for row in rows if any(cell.strip() for cell in row)]
    if not rows:
        raise SpreadsheetError("Le fichier est vide.")
    dataset = tablib.Dataset(headers=[header.strip() for header in rows[0]])
    width = len(rows[0])
    for number, row in enumerate(rows[1:], start=2):
        if len(row) > width:
            raise SpreadsheetError(f"Ligne {number} : {len(row)} colonnes au lieu de {width}.")
        dataset.append(row + [""] * (width - len(row)))
    return dataset


def read_xlsx(raw: bytes) -> tablib.Dataset:
    """The first sheet of a workbook, refused before its rows are built when it declares or
    holds more than the limits, and given a time budget: openpyxl's read-only mode pads every
    row up to the declared dimension, so a small file declaring A1:XFD1048576 would make
    billions of empty cells."""
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            if sum(info.file_size for info in archive.infolist()) > MAX_XLSX_UNCOMPRESSED_BYTES:
                raise SpreadsheetError("Le classeur décompressé est trop volumineux.")
    except zipfile.BadZipFile:
        raise SpreadsheetError("Ce fichier n'est pas un classeur Excel (.xlsx) valide.") from None
    try:
        return _xlsx_rows(raw)
    except SpreadsheetError:
        raise
    except Exception as error:  # noqa: BLE001 - openpyxl raises many kinds of errors on bad files
        if _caused_by(error, DefusedXmlException):
            # openpyxl parses through defusedxml: entities (external files, "billion laughs")
            # stop it before they are expanded or fetched.
            raise SpreadsheetError(
                "Le classeur contient des déclarations XML interdites (entités) : il n'est pas importé."
            ) from None
        logger.info("unreadable workbook: %r", error)
        raise SpreadsheetError(
            "Le classeur ne peut pas être lu : il est abîmé, ou n'a pas été enregistré par un tableur."
        ) from None


def _xlsx_rows(raw: bytes) -> tablib.Dataset:
    workbook = openpyxl.load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    try:
        sheet = workbook.active
        if (sheet.max_row or 0) > MAX_ROWS + 1 or (sheet.max_column or 0) > MAX_COLUMNS:
            raise SpreadsheetError(
                f"Le classeur annonce une feuille de {sheet.max_row} lignes sur {sheet.max_column} colonnes : "
                f"au plus {MAX_ROWS} lignes et {MAX_COLUMNS} colonnes sont lues."
            )
        # The declared dimension may also lie: rows are read as they are, unpadded, and counted.
        sheet.reset_dimensions()
        deadline = time.monotonic() + XLSX_READ_SECONDS
        rows = sheet.iter_rows(values_only=True)
        headers = next(rows, None)
        if headers is None:
            raise SpreadsheetError("Le fichier est vide.")
        if len(headers) > MAX_COLUMNS:
            raise SpreadsheetError(f"La ligne 1 compte {len(headers)} colonnes : au plus {MAX_COLUMNS} sont lues.")
        headers = [str(header or "").strip() for header in headers]
        while headers and not headers[-1]:
            headers.pop()
        width = len(headers)
        dataset = tablib.Dataset(headers=headers)
        for number, row in enumerate(rows, start=2):
            if number > MAX_ROWS + 1:
                raise SpreadsheetError(f"Le fichier compte plus de {MAX_ROWS} lignes.")
            if time.monotonic() > deadline:
                raise SpreadsheetError(
                    f"Le classeur n'a pas pu être lu en {XLSX_READ_SECONDS} secondes : "
                    "enregistrez-le en CSV ou allégez-le."
                )
            if len(row) > MAX_COLUMNS:
                raise SpreadsheetError(
                    f"La ligne {number} compte {len(row)} colonnes : au plus {MAX_COLUMNS} sont lues."
                )
            if all(value is None for value in row):
                continue
            if any(value is not None for value in row[width:]):
                raise SpreadsheetError(f"Ligne {number} : des valeurs au-delà des {width} colonnes nommées en ligne 1.")
            dataset.append(list(row[:width]) + [None] * (width - len(row)))
        return dataset
    finally:
        workbook.close()


def _caused_by(error: BaseException, kind: type) -> bool:
    while error is not None:
        if isinstance(error, kind):
            return True
        error = error.__cause__ or error.__context__
    return False


def read_upload(upload) -> tablib.Dataset:
    """A dataset from an uploaded .csv or .xlsx file, checked for size, type and rows."""
    if upload.size > MAX_UPLOAD_BYTES:
        raise SpreadsheetError("Le fichier dépasse 5 Mo.")
    raw = upload.read()
    name = (upload.name or "").lower()
    if name.endswith(".xlsx") or raw[:4] == b"PK\x03\x04":
        dataset = read_xlsx(raw)
    elif name.endswith((".csv", ".txt")):
        dataset = read_csv(raw)
    else:
        raise SpreadsheetError("Format non pris en charge : envoyez un fichier .xlsx ou .csv.")
    if dataset.height > MAX_ROWS:
        raise SpreadsheetError(f"Le fichier compte plus de {MAX_ROWS} lignes.")
    if dataset.width > MAX_COLUMNS:
        raise SpreadsheetError(f"Le fichier compte {dataset.width} colonnes : au plus {MAX_COLUMNS} sont lues.")
    return dataset
