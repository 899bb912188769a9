"""Bad input, generated (hypothesis) and crafted: the JSON convention import and the XLSX/CSV
sheet import answer every malformed, mistyped, oversized or hostile file with a French
message and save nothing."""

import contextlib
import copy
import io
import json
import re
import zipfile

import openpyxl
import pytest
from django.db import transaction
from django.urls import reverse
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from actions.models import ActionSheet
from actions.review import review_xlsx
from actions.spreadsheet_import import export_sheets, run_import
from ctg.lib import spreadsheets
from ctg.lib.spreadsheets import MAX_ROWS, MAX_UPLOAD_BYTES
from ctg.models import Convention
from demo.conventions import DEMO_DOCUMENTS
from governance import audit, exchange
from governance.forms import clean_pdf
from territories.models import Role
from tests.factories import add_plan, make_convention

pytestmark = pytest.mark.django_db

MONTLUCON = json.loads(next(p for p in DEMO_DOCUMENTS if "montlucon" in p.name).read_text(encoding="utf-8"))
# What would betray an untranslated message or a crash shown to the user.
ENGLISH = re.compile(
    r"Traceback|Expecting|Unterminated|Invalid|Extra data|NoneType|object has|is not|unexpected|Error\b"
)
# How many cases: the profile's (tests/conftest.py: 40 in the test command).
CASES = settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=12,
)


@contextlib.contextmanager
def example_rolled_back():
    """Each generated example starts from the same data: what it saved is rolled back."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def starts_a_formula(xlsx: bytes) -> list[str]:
    book = openpyxl.load_workbook(io.BytesIO(xlsx))
    values = [cell.value for row in book.active.iter_rows() for cell in row if isinstance(cell.value, str)]
    return [value for value in values if value.startswith(("=", "+", "-", "@"))]


def assert_french(messages):
    assert messages, "a refusal says why"
    for message in messages:
        assert isinstance(message, str) and message.strip(), message
        assert not ENGLISH.search(message), message


def refused_json(raw) -> list[str]:
    before = Convention.objects.count()
    with pytest.raises(exchange.ImportErrors) as refusal:
        exchange.import_convention(raw)
    assert Convention.objects.count() == before, "a refused document saves nothing"
    return [f"{path} : {message}" for path, message in refusal.value.errors]


def leaf_paths(value, path=()):
    if isinstance(value, dict):
        for key, child in value.items():
            yield from leaf_paths(child, (*path, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from leaf_paths(child, (*path, index))
    yield path


PATHS = [path for path in leaf_paths(MONTLUCON) if path]


# --- The JSON convention import ---------------------------------------------------------------


@CASES
@given(raw=st.binary(max_size=3000))
def test_any_bytes_are_refused_in_french(db, raw):
    assert_french(refused_json(raw))


@CASES
@given(document=json_values)
def test_any_json_value_that_is_not_a_convention_is_refused_in_french(db, document):
    assert_french(refused_json(json.dumps(document)))


@CASES
@given(path=st.sampled_from(PATHS), value=json_values)
def test_a_real_convention_with_one_value_replaced_is_imported_whole_or_refused_in_french(db, path, value):
    document = copy.deepcopy(MONTLUCON)
    target = document
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = value
    with example_rolled_back():
        before = Convention.objects.count()
        try:
            convention = exchange.import_convention(json.dumps(document))
        except exchange.ImportErrors as refusal:
            assert Convention.objects.count() == before
            assert_french([message for _, message in refusal.errors])
        else:
            assert Convention.objects.count() == before + 1
            assert convention.parties.exists()  # imported whole: with its parties


# A document valid for the schema, to be made wrong in meaning: Plaine Limagne (communes as
# parties, sheets on some communes), its first axis, with a dated workshop and a dated sheet.
PLAINE_LIMAGNE = json.loads(next(p for p in DEMO_DOCUMENTS if "plaine-limagne" in p.name).read_text(encoding="utf-8"))
MEANING_BASE = {**PLAINE_LIMAGNE, "axes": PLAINE_LIMAGNE["axes"][:1]}
MEANING_BASE["diagnostic"] = {
    **PLAINE_LIMAGNE["diagnostic"],
    "workshops": [{"title": "Atelier parentalité", "date": "2023-06-12", "participants": 14}],
}
MEANING_BASE["axes"][0]["objectives"][0]["sheets"][0].update(start_date="2025-02-01", end_date="2026-06-30")


def paths_where(document, keep):
    return [path for path in leaf_paths(document) if path and keep(path, value_at(document, path))]


def value_at(document, path):
    for part in path:
        document = document[part]
    return document


DATE_PATHS = paths_where(MEANING_BASE, lambda path, value: path[-1] in exchange.DATE_KEYS and isinstance(value, str))
FIELD_PATHS = paths_where(MEANING_BASE, lambda path, value: "field" in path[-2:] or "fields" in path[-2:-1])
INSEE_PATHS = paths_where(MEANING_BASE, lambda path, value: path[-1] == "insee" or "communes" in path[-2:-1])
NAME_PATHS = paths_where(MEANING_BASE, lambda path, value: path[-1] == "name" and "parties" in path)

any_day = st.builds(
    "{:04d}-{:02d}-{:02d}".format,
    st.integers(1900, 2100),
    st.integers(0, 13),
    st.integers(0, 32),
)
meaning_errors = st.one_of(
    st.tuples(st.sampled_from(DATE_PATHS), any_day),
    st.tuples(
        st.sampled_from(FIELD_PATHS),
        st.sampled_from(["", " ", "astrologie", "Petite-Enfance", "petite_enfance", "parentalite"]),
    ),
    st.tuples(st.sampled_from(INSEE_PATHS), st.sampled_from(["75056", "03310", "63240", "2A004", "99999", "63001"])),
    st.tuples(st.sampled_from(NAME_PATHS), st.sampled_from(["", "Commune de Vichy", "MSA Alpes du Nord", "CAF"])),
)


@CASES
@given(mutations=st.lists(meaning_errors, min_size=1, max_size=3))
@example(mutations=[(("diagnostic", "findings", 0, "field"), "")])  # a KeyError, a 500, before
@example(mutations=[(("diagnostic", "workshops", 0, "date"), "2023-06-31")])  # ValueError, before
@example(mutations=[(DATE_PATHS[-2], "2024-02-30")])  # a sheet's start: ValueError, before
def test_a_document_right_in_form_but_wrong_in_meaning_is_imported_whole_or_refused_in_french(db, mutations):
    """Valid for the schema, wrong in meaning: impossible dates, empty or unknown codes,
    communes outside the territory, names that do not match their codes."""
    document = copy.deepcopy(MEANING_BASE)
    for path, value in mutations:
        value_at(document, path[:-1])[path[-1]] = value
    with example_rolled_back():
        before = Convention.objects.count()
        try:
            exchange.import_convention(json.dumps(document))
        except exchange.ImportErrors as refusal:
            assert Convention.objects.count() == before
            assert_french([message for _, message in refusal.errors])
        else:
            assert Convention.objects.count() == before + 1


def refusal_of(document) -> dict[str, str]:
    with pytest.raises(exchange.ImportErrors) as refusal:
        exchange.import_convention(json.dumps(document))
    assert not Convention.objects.exists()
    return dict(refusal.value.errors)


@pytest.mark.parametrize(
    ("path", "value", "where", "expected"),
    [
        (
            ("diagnostic", "findings", 0, "field"),
            "",
            "diagnostic.findings[0].field",
            "code de champ d'intervention vide (valeurs admises : acces-aux-droits, animation-vie-sociale,",
        ),
        (
            ("diagnostic", "findings", 0, "field"),
            "parentalité",
            "diagnostic.findings[0].field",
            "champ d'intervention inconnu : 'parentalité' ; voulez-vous dire 'parentalite' ?",
        ),
        (
            ("diagnostic", "workshops", 0, "date"),
            "2023-06-31",
            "diagnostic.workshops[0].date",
            "date impossible : '2023-06-31' n'existe pas au calendrier",
        ),
        (
            ("axes", 0, "objectives", 0, "sheets", 0, "start_date"),
            "2024-02-30",
            "axes[0].objectives[0].sheets[0].start_date",
            "date impossible : '2024-02-30' n'existe pas au calendrier",
        ),
        (
            ("axes", 0, "objectives", 0, "sheets", 0, "status"),
            "finie",
            "axes[0].objectives[0].sheets[0].status",
            'valeur non autorisée : "finie" (valeurs admises : "a_lancer", "en_cours", "realisee", "reportee", '
            '"abandonnee")',
        ),
        (
            ("axes", 0, "objectives", 0, "sheets", 0, "pilot", "name"),
            5,
            "axes[0].objectives[0].sheets[0].pilot.name",
            "type de valeur incorrect : 5 (attendu : un texte)",
        ),
        (
            ("caf", "name"),
            "CAF du Puy de Dome",  # case, accents and hyphens do not matter
            None,
            None,
        ),
        (
            ("caf", "name"),
            "Caf du Puy-de-Dôm",
            "caf.name",
            "Caf inconnue : 'Caf du Puy-de-Dôm' ; voulez-vous dire 'Caf du Puy-de-Dôme' ?",
        ),
        (
            ("parties", 0, "organisation", "insee"),
            "03310",
            "parties[0].organisation.insee",
            "Vichy (03310) n'est pas dans le territoire de la convention",
        ),
        (
            ("parties", 0, "organisation", "name"),
            "Commune de Randan",
            "parties[0].organisation.name",
            "le code INSEE 63001 est celui de Aigueperse, pas de 'Commune de Randan'",
        ),
        (
            ("parties", 0, "organisation", "siren"),
            "216302406",
            "parties[0].organisation.siren",
            "le SIREN de Aigueperse est 216300012, pas 216302406",
        ),
        (
            ("territory", "siren"),
            "20007119",
            "territory.siren",
            'format incorrect : "20007119" (attendu : 9 chiffres (SIREN))',
        ),
    ],
    ids=[
        "empty-field",
        "close-field",
        "workshop-date",
        "sheet-date",
        "enum",
        "one-of",
        "caf-spelling",
        "caf-close",
        "commune-outside",
        "name-beside-insee",
        "siren-beside-insee",
        "pattern",
    ],
)
def test_each_wrong_value_is_named_with_its_place_and_what_is_allowed(db, path, value, where, expected):
    document = copy.deepcopy(MEANING_BASE)
    value_at(document, path[:-1])[path[-1]] = value
    if where is None:
        assert exchange.import_convention(json.dumps(document)).caf.name == "Caf du Puy-de-Dôme"
        return
    errors = refusal_of(document)
    assert where in errors, errors
    assert errors[where].startswith(expected), errors[where]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b"[" * 100_000, "imbriqué trop profondément"),
        (b'{"title": "' + b"x" * (11 * 1024 * 1024) + b'"}', "dépasse 10 Mo"),
        ('{"format": "ctg-convention"}'.encode("utf-16"), "pas du texte UTF-8"),
        (b'{"format": "ctg-convention", "title": "\xe9t\xe9"}', "pas du texte UTF-8"),  # Latin-1
        (b'{"format": "ctg-convention",}', "nom de champ entre guillemets droits attendu"),
        (b"", "valeur attendue"),
        (
            json.dumps({**MONTLUCON, "period": {**MONTLUCON["period"], "start": 1e308}}).encode(),
            "type de valeur incorrect",
        ),
        (json.dumps({**MONTLUCON, "title": '=HYPERLINK("http://x")' * 200}).encode(), "texte trop long"),
    ],
    ids=["nesting", "size", "utf-16", "latin-1", "syntax", "empty", "huge-number", "formula-too-long"],
)
def test_crafted_documents_are_refused_in_french(db, raw, expected):
    messages = refused_json(raw)
    assert_french(messages)
    assert any(expected in message for message in messages), messages


# --- The XLSX / CSV sheet import --------------------------------------------------------------


@pytest.fixture
def convention(db):
    return add_plan(make_convention(), axes=1, objectives=2, sheets=2)


def state(convention):
    return list(ActionSheet.objects.filter(convention=convention).order_by("pk").values_list("pk", "title", "progress"))


def refused_sheets(convention, filename, raw) -> list[str]:
    before = state(convention)
    report = run_import(convention, filename, raw, dry_run=False)
    assert not report.ok
    assert state(convention) == before, "a refused file changes nothing"
    return [message for _, message in report.errors]


@CASES
@given(raw=st.binary(max_size=3000), name=st.sampled_from(["fiches.csv", "fiches.xlsx", "fiches.txt"]))
@example(raw=b"\r\x00", name="fiches.csv")  # found by hypothesis: the csv module raised (a 500)
def test_any_bytes_as_a_spreadsheet_are_refused_in_french(convention, raw, name):
    assert_french(refused_sheets(convention, name, raw))


@CASES
@given(
    row=st.integers(min_value=0, max_value=3),
    column=st.sampled_from(["objectif", "intitulé", "statut", "avancement (%)", "début", "fin", "pilote"]),
    # Any text a spreadsheet can hold (it cannot hold control characters).
    value=st.text(st.characters(blacklist_categories=("Cc", "Cs")), max_size=60)
    | st.sampled_from(["=1+1", "+33 6", "-5", "@SUM(A1)", "101", "2025-02-30", "31/12/2025", "x" * 300, "1e400"]),
)
def test_an_export_with_one_cell_changed_imports_whole_or_is_refused_in_french(convention, row, column, value):
    book = openpyxl.load_workbook(io.BytesIO(export_sheets(convention, "xlsx")))
    sheet = book.active
    headers = [cell.value for cell in sheet[1]]
    if column not in headers:
        return
    sheet.cell(row=row + 2, column=headers.index(column) + 1, value=value)
    buffer = io.BytesIO()
    book.save(buffer)
    with example_rolled_back():
        before = state(convention)
        report = run_import(convention, "fiches.xlsx", buffer.getvalue(), dry_run=False)
        if report.ok:
            # Text that starts like a formula is kept as typed, and exported harmless.
            assert not starts_a_formula(export_sheets(convention, "xlsx"))
        else:
            assert state(convention) == before
            assert_french([message for _, message in report.errors])


def xlsx_with(sheet_xml: bytes) -> bytes:
    """A real workbook whose first sheet's XML is replaced."""
    book = openpyxl.Workbook()
    book.active.append(["objectif", "intitulé"])
    original = io.BytesIO()
    book.save(original)
    crafted = io.BytesIO()
    with zipfile.ZipFile(original) as source, zipfile.ZipFile(crafted, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = sheet_xml if item.filename == "xl/worksheets/sheet1.xml" else source.read(item)
            target.writestr(item.filename, data)
    return crafted.getvalue()


SHEET_HEAD = b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
SHEET_TAIL = b"</sheetData></worksheet>"


def test_an_xml_external_entity_is_refused_and_reads_nothing(convention):
    raw = xlsx_with(
        b'<?xml version="1.0"?><!DOCTYPE w [<!ENTITY secret SYSTEM "file:///etc/passwd">]>'
        + SHEET_HEAD
        + b'<row r="1"><c r="A1" t="inlineStr"><is><t>&secret;</t></is></c></row>'
        + SHEET_TAIL
    )
    messages = refused_sheets(convention, "fiches.xlsx", raw)
    assert messages == ["Le classeur contient des déclarations XML interdites (entités) : il n'est pas importé."]


def test_a_billion_laughs_is_refused(convention):
    entities = b'<!ENTITY a0 "ha">' + b"".join(
        b'<!ENTITY a%d "%s">' % (i, b"".join(b"&a%d;" % (i - 1) for _ in range(10))) for i in range(1, 10)
    )
    raw = xlsx_with(
        b'<?xml version="1.0"?><!DOCTYPE w ['
        + entities
        + b"]>"
        + SHEET_HEAD
        + b'<row r="1"><c r="A1" t="inlineStr"><is><t>&a9;</t></is></c></row>'
        + SHEET_TAIL
    )
    assert refused_sheets(convention, "fiches.xlsx", raw) == [
        "Le classeur contient des déclarations XML interdites (entités) : il n'est pas importé."
    ]


def test_a_zip_bomb_is_refused_before_it_is_inflated(convention):
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (60 * 1024 * 1024))
    assert len(bomb.getvalue()) < MAX_UPLOAD_BYTES  # small on the wire
    messages = refused_sheets(convention, "fiches.xlsx", bomb.getvalue())
    assert messages == ["Le classeur décompressé est trop volumineux."]


def sheet_xml(rows: bytes, dimension: bytes = b"") -> bytes:
    return SHEET_HEAD.replace(b"<sheetData>", dimension + b"<sheetData>") + rows + SHEET_TAIL


HEADER_ROW = (
    b'<row r="1"><c r="A1" t="inlineStr"><is><t>objectif</t></is></c>'
    b'<c r="B1" t="inlineStr"><is><t>intitul\xc3\xa9</t></is></c></row>'
)


@pytest.mark.timeout(30)  # padded as declared, this file took half an hour and gigabytes
def test_a_sheet_declaring_a_huge_dimension_is_refused_before_its_rows_are_built(convention):
    raw = xlsx_with(
        sheet_xml(
            HEADER_ROW + b'<row r="1048576"><c r="A1048576"><v>1</v></c></row>',
            dimension=b'<dimension ref="A1:XFD1048576"/>',
        )
    )
    assert len(raw) < 5000  # a few kilobytes
    assert refused_sheets(convention, "fiches.xlsx", raw) == [
        "Le classeur annonce une feuille de 1048576 lignes sur 16384 colonnes : "
        f"au plus {MAX_ROWS} lignes et 200 colonnes sont lues."
    ]


@pytest.mark.timeout(30)
@pytest.mark.parametrize(
    ("far_cell", "expected"),
    [
        (b'<row r="1048576"><c r="A1048576"><v>1</v></c></row>', f"Le fichier compte plus de {MAX_ROWS} lignes."),
        (b'<row r="2"><c r="XFD2"><v>1</v></c></row>', "La ligne 2 compte 16384 colonnes : au plus 200 sont lues."),
    ],
    ids=["far-down", "far-right"],
)
def test_a_sheet_whose_dimension_lies_is_counted_as_it_is_read(convention, far_cell, expected):
    raw = xlsx_with(sheet_xml(HEADER_ROW + far_cell, dimension=b'<dimension ref="A1:B2"/>'))
    assert refused_sheets(convention, "fiches.xlsx", raw) == [expected]


def test_reading_a_workbook_has_a_time_budget(convention, monkeypatch):
    monkeypatch.setattr(spreadsheets, "XLSX_READ_SECONDS", 0)
    messages = refused_sheets(convention, "fiches.xlsx", export_sheets(convention, "xlsx"))
    assert messages == ["Le classeur n'a pas pu être lu en 0 secondes : enregistrez-le en CSV ou allégez-le."]


@pytest.mark.parametrize(
    ("name", "raw", "expected"),
    [
        ("fiches.csv", b"x" * (MAX_UPLOAD_BYTES + 1), "dépasse 5 Mo"),
        ("fiches.pdf", b"%PDF-1.4", "Format non pris en charge"),
        ("fiches.csv", "objectif;intitulé\n".encode("utf-16"), "colonne(s) manquante(s)"),
        ("fiches.csv", b"objectif;intitul\xe9\n1.1;" + b"a;" * 5 + b"\n", "colonnes au lieu de"),
        ("fiches.xlsx", b"PK\x03\x04 not really a zip", "pas un classeur Excel"),
        ("fiches.csv", b"   \n;;;\n", "Le fichier est vide"),
    ],
    ids=["too-big", "wrong-type", "utf-16", "ragged", "fake-zip", "empty"],
)
def test_crafted_spreadsheets_are_refused_in_french(convention, name, raw, expected):
    messages = refused_sheets(convention, name, raw)
    assert_french(messages)
    assert any(expected in message for message in messages), messages


def test_every_export_neutralises_formulas(convention):
    sheet = convention.sheets.first()
    ActionSheet.objects.filter(pk=sheet.pk).update(
        title='=HYPERLINK("http://exemple.org","clic")', description="@SUM(1)"
    )
    assert starts_a_formula(export_sheets(convention, "xlsx")) == []
    csv_text = export_sheets(convention, "csv").decode("utf-8-sig")
    assert ";=HYPERLINK" not in csv_text and ";@SUM" not in csv_text


def test_the_review_workbook_and_the_audit_journal_neutralise_formulas(client, convention):
    from tests.factories import MembershipFactory

    sheet = convention.sheets.first()
    ActionSheet.objects.filter(pk=sheet.pk).update(title="=1+cmd|' /C calc'!A0")
    audit.record(convention, "comment", "@SUM(1+1)*cmd|' /C calc'!A0")
    assert not starts_a_formula(review_xlsx(convention, convention.start_date.year))
    client.force_login(MembershipFactory(organisation=convention.caf, role=Role.VIEWER).user)
    journal = client.get(reverse("audit_export", kwargs={"convention_pk": convention.pk})).content.decode("utf-8-sig")
    assert ";@SUM" not in journal and ";'@SUM(1+1)" in journal


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"%PDF-1.7\n" + b"0" * (10 * 1024 * 1024), "dépasse 10 Mo"),
        (b"MZ\x90\x00 an executable named acte.pdf", "n'est pas un PDF"),
        (b"<html><script>alert(1)</script></html>", "n'est pas un PDF"),
    ],
    ids=["too-big", "executable", "html"],
)
def test_uploaded_acts_and_minutes_are_checked_by_content_and_size(content, expected):
    from django import forms
    from django.core.files.uploadedfile import SimpleUploadedFile

    with pytest.raises(forms.ValidationError, match=expected):
        clean_pdf(SimpleUploadedFile("acte.pdf", content, content_type="application/pdf"))
