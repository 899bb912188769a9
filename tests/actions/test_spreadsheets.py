"""Action sheets to and from XLSX and CSV: preview, every bad row, all or nothing."""

import io
import re

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from actions.models import ActionSheet, PendingSheetImport
from diagnostics.models import InterventionField
from territories.models import Commune, Role
from territories.services import organisation_for_commune, organisation_for_epci
from tests.factories import MembershipFactory, add_plan, make_convention

HEADER = "identifiant;objectif;intitulé;statut;avancement (%);début;fin;pilote;communes concernées;publics visés\r\n"


@pytest.fixture
def convention(db):
    return add_plan(make_convention(), axes=2, objectives=1, sheets=2)


@pytest.fixture
def coordinator(client, convention):

    user = MembershipFactory(organisation=organisation_for_epci(convention.epci), role=Role.COORDINATOR).user
    client.force_login(user)
    return user


def text(response):
    return re.sub(r"\s+", " ", response.content.decode())


def upload(client, convention, content: bytes, name="fiches.csv"):
    return client.post(
        reverse("sheet_import", kwargs={"convention_pk": convention.pk}),
        {"fichier": SimpleUploadedFile(name, content)},
    )


def confirm(client, convention):
    pending = PendingSheetImport.objects.get()
    return client.post(
        reverse("sheet_import_confirm", kwargs={"convention_pk": convention.pk, "import_pk": pending.pk})
    )


def test_the_xlsx_export_reads_like_the_plan_and_neutralises_formulas(client, convention, coordinator):
    sheet = ActionSheet.objects.get(title="Fiche 1.1.1")
    sheet.title = '=HYPERLINK("http://evil")'
    sheet.context = "+33 6 00 00 00 00"
    sheet.status = "en_cours"
    sheet.save()
    response = client.get(reverse("sheet_export", kwargs={"convention_pk": convention.pk, "file_format": "xlsx"}))
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    rows = list(book.active.values)
    header = list(rows[0])
    assert header[:4] == ["identifiant", "numéro", "objectif", "intitulé"]
    first = dict(zip(header, rows[1], strict=True))
    assert first["numéro"] == "1.1.1" and first["objectif"] == "1.1"
    assert first["intitulé"] == '\'=HYPERLINK("http://evil")'
    assert first["contexte"] == "'+33 6 00 00 00 00"
    assert first["statut"] == "En cours"
    assert len(rows) == 5


def test_the_csv_export_is_french_excel(client, convention, coordinator):
    response = client.get(reverse("sheet_export", kwargs={"convention_pk": convention.pk, "file_format": "csv"}))
    content = response.content
    assert content.startswith("\ufeff".encode())
    assert content.decode("utf-8-sig").splitlines()[0].startswith("identifiant;numéro;objectif;intitulé")


def test_an_export_comes_back_unchanged(client, convention, coordinator):
    exported = client.get(reverse("sheet_export", kwargs={"convention_pk": convention.pk, "file_format": "xlsx"}))
    response = upload(client, convention, exported.content, "fiches.xlsx")
    assert response.status_code == 200
    assert "0 création, 0 modification, 4 inchangées" in text(response)


def test_intervention_fields_whose_name_holds_a_comma_come_back(client, convention, coordinator):

    sheet = ActionSheet.objects.get(title="Fiche 1.1.1")
    culture = InterventionField.objects.get(name="Culture, sport et loisirs")
    sheet.fields.set([culture, InterventionField.objects.get(code="jeunesse")])
    exported = client.get(reverse("sheet_export", kwargs={"convention_pk": convention.pk, "file_format": "xlsx"}))
    response = upload(client, convention, exported.content, "fiches.xlsx")
    assert "0 création, 0 modification, 4 inchangées" in text(response)
    csv = HEADER.replace("\r\n", ";champs d'intervention\r\n") + (
        f"{sheet.pk};1.1;Fiche 1.1.1;à lancer;0;;;;;;Culture, sport et loisirs, Jeunesse\r\n"
    )
    response = upload(client, convention, csv.encode())
    assert "0 création, 0 modification, 1 inchangée" in text(response), re.findall(r"Ligne[^<]*", text(response))


def test_preview_then_confirm_creates_and_updates(client, convention, coordinator):
    existing = ActionSheet.objects.get(title="Fiche 2.1.1")
    csv = (
        HEADER
        + f"{existing.pk};2.1;Fiche 2.1.1 revue;En cours;40;01/02/2025;31/12/2026;;;Familles et parents\r\n"
        + ";1.1;Nouvelle fiche;à lancer;0;;;CA Montluçon Communauté;Montluçon, 03101;jeunesse (12-25 ans)\r\n"
    ).encode("utf-8")
    response = upload(client, convention, csv)
    assert response.status_code == 200
    assert "1 création, 1 modification, 0 inchangée" in text(response)
    assert not ActionSheet.objects.filter(title="Nouvelle fiche").exists()  # nothing before confirmation

    response = confirm(client, convention)
    assert response.status_code == 302
    new = ActionSheet.objects.get(title="Nouvelle fiche")
    assert new.number == "1.1.3"
    assert new.pilot.name == "CA Montluçon Communauté"
    assert sorted(new.communes.values_list("code", flat=True)) == ["03101", "03185"]
    assert not new.whole_territory
    assert new.target_publics == ["12-25"]
    record = new.history.get()  # one record per imported sheet, with its communes and by its author
    assert (record.history_type, record.history_user) == ("+", coordinator)
    assert sorted(link.commune.code for link in record.communes.all()) == ["03101", "03185"]
    assert existing.history.latest().history_type == "~"
    existing.refresh_from_db()
    assert (existing.title, existing.status, existing.progress) == ("Fiche 2.1.1 revue", "en_cours", 40)
    assert existing.start_date.isoformat() == "2025-02-01"
    assert not PendingSheetImport.objects.exists()


def test_every_bad_row_is_listed_and_nothing_is_saved(client, convention, coordinator):
    csv = (
        HEADER
        + ";1.1;Bonne fiche;À lancer;0;;;;;\r\n"
        + ";9.9;Objectif inconnu;À lancer;0;;;;;\r\n"
        + ";1.1;Statut inconnu;Finie;0;;;;;\r\n"
        + ";1.1;Avancement faux;En cours;140;;;;;\r\n"
        + ";1.1;Date fausse;En cours;10;32/13/2025;;;;\r\n"
        + ";1.1;;En cours;10;;;;;\r\n"
        + "99999;1.1;Identifiant inconnu;En cours;10;;;;;\r\n"
        + ";1.1;Pilote inconnu;En cours;10;;;Mairie de Nulle-Part;;\r\n"
    ).encode("utf-8")
    response = upload(client, convention, csv)
    assert response.status_code == 400
    html = response.content.decode()
    for line, text in [
        (3, "objectif « 9.9 » inconnu"),
        (4, "statut inconnu·e : « Finie »"),
        (5, "avancement hors limites : 140"),
        (6, "date illisible : « 32/13/2025 »"),
        (7, "intitulé"),
        (8, "identifiant « 99999 » inconnu"),
        (9, "pilote « Mairie de Nulle-Part » : ce n&#x27;est pas une partie de la convention"),
    ]:
        assert f"Ligne {line} :" in html, line
        assert text in html, text
    assert "Ligne 2 :" not in html
    assert not ActionSheet.objects.filter(title="Bonne fiche").exists()
    assert not PendingSheetImport.objects.exists()


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252"])
def test_french_excel_csv_in_any_encoding(client, convention, coordinator, encoding):
    csv = (HEADER + ";1.1;Accueil des bébés à la crèche;Réalisée;100;;;;;\r\n").encode(encoding)
    assert upload(client, convention, csv).status_code == 200
    confirm(client, convention)
    assert ActionSheet.objects.get(title="Accueil des bébés à la crèche").status == "realisee"


def test_wrong_files_are_refused(client, convention, coordinator):
    response = upload(client, convention, b"%PDF-1.7 not a spreadsheet", "fiches.pdf")
    assert "Format non pris en charge" in response.content.decode()
    response = upload(client, convention, b"PK\x03\x04garbage", "fiches.xlsx")
    assert "n&#x27;est pas un classeur Excel" in response.content.decode()
    response = upload(client, convention, b"titre;autre\r\nx;y\r\n", "fiches.csv")
    assert "colonne(s) manquante(s)" in response.content.decode()
    assert not PendingSheetImport.objects.exists()


def test_a_commune_party_cannot_import(client, convention):

    officer = MembershipFactory(
        organisation=organisation_for_commune(Commune.objects.get(code="03185")), role=Role.COMMUNE_OFFICER
    ).user
    client.force_login(officer)
    assert upload(client, convention, (HEADER + ";1.1;X;;;;;;;\r\n").encode()).status_code == 403
