"""A whole convention as one JSON document: export, import, errors with their path."""

import json

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from actions.models import ActionSheet, BudgetLine, EvaluationIndicator, IndicatorMeasure
from ctg.models import Convention
from demo.conventions import DEMO_DOCUMENTS
from diagnostics.models import Finding
from governance import exchange
from territories.models import Organisation, Role
from tests.factories import MembershipFactory

PLAINE_LIMAGNE = next(path for path in DEMO_DOCUMENTS if "plaine-limagne" in path.name)


@pytest.fixture
def document():
    return json.loads(PLAINE_LIMAGNE.read_text())


def test_the_demo_document_imports_with_every_part(db):
    convention = exchange.import_convention(PLAINE_LIMAGNE.read_bytes())
    assert convention.epci.name == "CC Plaine Limagne"
    assert convention.caf.name == "Caf du Puy-de-Dôme"
    assert convention.parties.count() == 29  # 25 communes, the EPCI, the MSA, the département, the Caf
    assert convention.parties.filter(organisation__kind="commune", needs_deliberation=True).count() == 25
    assert convention.axes.count() == 5 and convention.sheets.count() == 26
    randan = ActionSheet.objects.get(title="Création d'un nouvel ALSH à Randan")
    assert randan.number == "1.2.1" and not randan.whole_territory
    assert list(randan.communes.values_list("name", flat=True)) == ["Randan"]
    assert randan.pilot.name == "Commune de Randan"
    assert Finding.objects.filter(convention=convention, field__code="sante", kind="menace").exists()


def test_export_import_export_gives_the_same_document(db):
    original = exchange.import_convention(PLAINE_LIMAGNE.read_bytes())
    sheet = original.sheets.first()
    BudgetLine.objects.create(sheet=sheet, year=2026, planned="1234.50", spent="99.99")
    indicator = EvaluationIndicator.objects.create(sheet=sheet, label="Familles accueillies", baseline=10, target=40)
    IndicatorMeasure.objects.create(indicator=indicator, year=2025, value=18)
    first = exchange.export_convention(original)
    copy = exchange.import_convention(exchange.dumps(first))
    assert copy.pk != original.pk
    assert exchange.export_convention(copy) == first


def test_the_ctg_a_convention_follows_is_kept_and_linked_when_it_is_here(db):
    """`previous` survives the round trip: linked to the convention of that title and
    territory when it is on the platform, kept as written otherwise."""
    document = json.loads(PLAINE_LIMAGNE.read_text())
    assert document["previous"] == "CTG Plaine Limagne 2021-2024"
    convention = exchange.import_convention(PLAINE_LIMAGNE.read_bytes())
    assert (convention.previous, convention.previous_reference) == (None, "CTG Plaine Limagne 2021-2024")
    assert exchange.export_convention(convention)["previous"] == "CTG Plaine Limagne 2021-2024"

    earlier = {**document, "title": "CTG Plaine Limagne 2021-2024", "previous": None}
    earlier["period"] = {"start": "2021-01-01", "end": "2024-12-31"}
    earlier = exchange.import_convention(json.dumps(earlier))
    following = exchange.import_convention(PLAINE_LIMAGNE.read_bytes())
    assert (following.previous, following.previous_reference) == (earlier, "")
    assert exchange.export_convention(following)["previous"] == "CTG Plaine Limagne 2021-2024"


def test_errors_are_reported_with_their_path_and_nothing_is_saved(db, document):
    document["period"]["end"] = "2026-12-31"
    document["axes"][0]["objectives"][1]["sheets"][0]["status"] = "finie"
    document["axes"][1]["objectives"][0]["sheets"][0]["communes"] = ["75056"]
    document["diagnostic"]["findings"][0]["field"] = "astrologie"
    del document["axes"][2]["title"]
    organisations_before = Organisation.objects.count()
    with pytest.raises(exchange.ImportErrors) as raised:
        exchange.import_convention(json.dumps(document))
    paths = {path for path, _ in raised.value.errors}
    assert "axes[0].objectives[1].sheets[0].status" in paths
    assert "axes[2].title" in paths
    assert not Convention.objects.exists()
    assert Organisation.objects.count() == organisations_before

    # Once the form is right, the meaning is checked, every error at once.
    document["axes"][0]["objectives"][1]["sheets"][0]["status"] = "en_cours"
    document["axes"][2]["title"] = "La santé"
    with pytest.raises(exchange.ImportErrors) as raised:
        exchange.import_convention(json.dumps(document))
    errors = dict(raised.value.errors)
    assert "Une CTG dure de 3 à 5 ans" in errors["period.end"]
    assert errors["axes[1].objectives[0].sheets[0].communes"] == "la commune 75056 n'est pas dans le territoire"
    assert errors["diagnostic.findings[0].field"].startswith(
        "champ d'intervention inconnu : 'astrologie' (valeurs admises : acces-aux-droits, "
    )
    assert not Convention.objects.exists()


@pytest.mark.parametrize(
    "raw, message",
    [
        (b"{pas du json", "JSON invalide ligne 1"),
        (b"[]", "Le document doit être un objet JSON."),
        (b"\xff\xfe\x00", "n'est pas du texte UTF-8"),
    ],
)
def test_broken_files_are_refused_in_french(db, raw, message):
    with pytest.raises(exchange.ImportErrors) as raised:
        exchange.import_convention(raw)
    assert message in raised.value.errors[0][1]


def test_the_commands_export_and_import(db, tmp_path, capsys):
    convention = exchange.import_convention(PLAINE_LIMAGNE.read_bytes())
    out = tmp_path / "ctg.json"
    call_command("export_convention", convention.pk, "--out", str(out))
    call_command("import_convention", str(out))
    assert "importée" in capsys.readouterr().out
    assert Convention.objects.count() == 2
    broken = tmp_path / "broken.json"
    broken.write_text('{"format": "ctg-convention"}')
    with pytest.raises(CommandError, match="rien n'a été importé"):
        call_command("import_convention", str(broken))


def test_the_ui_exports_and_imports_for_an_adviser_of_the_caf(client, db):
    convention = exchange.import_convention(PLAINE_LIMAGNE.read_bytes())
    adviser = MembershipFactory(organisation=convention.caf, role=Role.CAF_ADVISER).user
    client.force_login(adviser)
    response = client.get(reverse("convention_export_json", kwargs={"convention_pk": convention.pk}))
    assert response["Content-Disposition"].startswith("attachment")
    document = json.loads(response.content)
    assert document["title"] == convention.title

    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("ctg.json", response.content, content_type="application/json")
    response = client.post(reverse("convention_import_json"), {"document": upload})
    new = Convention.objects.exclude(pk=convention.pk).get()
    assert response["Location"] == new.get_absolute_url()
    assert new.sheets.count() == 26


def test_an_adviser_cannot_import_for_another_caf(client, db):
    other_caf = Organisation.objects.cafs().get(name="Caf de l'Allier")
    adviser = MembershipFactory(organisation=other_caf, role=Role.CAF_ADVISER).user
    client.force_login(adviser)
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client.post(
        reverse("convention_import_json"), {"document": SimpleUploadedFile("ctg.json", PLAINE_LIMAGNE.read_bytes())}
    )
    assert response.status_code == 400
    assert "votre Caf" in response.content.decode()
    assert not Convention.objects.exists()
