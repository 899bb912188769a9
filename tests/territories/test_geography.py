import gzip
import json

from django.core.management import call_command

from territories.geography import FIXTURE_PATH, load_geography
from territories.models import EPCI, Commune, Departement, Organisation, Region


def test_the_national_geography_is_loaded_with_its_cafs(db):
    # The session fixture ran import_geography once; the numbers are those of the COG 2026.
    assert Commune.objects.count() == 34_969
    assert EPCI.objects.count() == 1_255
    assert Departement.objects.count() == 101
    assert Region.objects.count() == 18
    assert Organisation.objects.cafs().count() == 101

    montlucon = EPCI.objects.get(siren="200071082")
    assert montlucon.name == "CA Montluçon Communauté"
    assert montlucon.get_kind_display() == "Communauté d'agglomération"
    assert montlucon.communes.count() == 21
    plaine_limagne = EPCI.objects.get(name="CC Plaine Limagne")
    assert plaine_limagne.communes.count() == 25

    montpensier = Commune.objects.select_related("departement", "epci").get(code="63240")
    assert montpensier.siren == "216302406"  # as in the @ctes act id of the seed
    assert montpensier.departement.code == "63"
    assert montpensier.epci == plaine_limagne
    assert montpensier.postal_codes == "63260"


def test_each_departement_has_its_caf_and_the_pyrenees_atlantiques_two(db):
    names = set(Organisation.objects.cafs().values_list("name", flat=True))
    assert {
        "Caf de l'Allier",
        "Caf du Puy-de-Dôme",
        "Caf de Paris",
        "Caf des Hauts-de-Seine",
        "Caf de la Haute-Garonne",
        "Caf d'Eure-et-Loir",
        "Caf de La Réunion",
    } <= names
    pyrenees = Organisation.objects.cafs().filter(departements__code="64")
    assert set(pyrenees.values_list("name", flat=True)) == {
        "Caf du Béarn et de la Soule",
        "Caf du Pays Basque et du Seignanx",
    }
    assert not Organisation.objects.cafs().filter(departements__code="976").exists()


def test_a_second_import_changes_nothing(db, capsys):
    call_command("import_geography")
    output = capsys.readouterr().out
    assert "communes : 34969 (créés 0, mis à jour 0)" in output
    assert "EPCI : 1255 (créés 0, mis à jour 0)" in output
    assert "Caf : 101 (créés 0, mis à jour 0)" in output


def test_a_changed_source_updates_only_what_changed(db, tmp_path):
    with gzip.open(FIXTURE_PATH, "rt", encoding="utf-8") as stream:
        data = json.load(stream)
    for row in data["communes"]:
        if row[0] == "63240":
            row[5] = 500  # population
    changed = tmp_path / "geo.json.gz"
    with gzip.open(changed, "wt", encoding="utf-8") as out:
        json.dump(data, out)

    report = load_geography(changed)

    assert report.updated["communes"] == 1
    assert report.created["communes"] == 0
    assert Commune.objects.get(code="63240").population == 500
