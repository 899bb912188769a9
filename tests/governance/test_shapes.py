"""Conventions of several shapes, each read as the parties and the préfecture read it: the PDF
and the DOCX carry the same text, and no sentence says what the data does not.

- an EPCI where no commune signs (the demo's Montluçon Communauté);
- an EPCI alone with the Caf and the Département, whose convention names its own structure
  (« Enjeu A », « Orientation A1 », « Action 1 »), diagnostic headings, governance bodies,
  consultant, website and subtitle, and gives its parties' order (shapes/thiers-dore-et-montagne.json);
- an EPCI where three of its fourteen communes sign, with the Département and the MSA, no
  diagnostic yet and a sheet without pilot (shapes/entre-dore-et-allier.json).
The commune alone (Cournon-d'Auvergne) is read in test_documents."""

from pathlib import Path

import pytest

from governance import documents, exchange
from governance.snapshot import convention_snapshot
from tests.documents import assert_same_text, pdf_pages
from tests.helpers import seed_convention

SHAPES = Path(__file__).parent / "shapes"


def flat(text: str) -> str:
    return " ".join(text.replace("\u00a0", " ").replace("\u202f", " ").split())


def read(snapshot, party_name=None):
    """The convention's text, and the deliberation's of the named party (the first that
    deliberates otherwise), each checked to be the same in the PDF and the DOCX."""
    convention_pdf = documents.render_convention_pdf(snapshot)
    assert_same_text(convention_pdf, documents.render_convention_docx(snapshot))
    parties = documents.deliberating_parties(snapshot)
    index = next(i for i, party in parties if party_name in (None, party["organisation"]["name"]))
    deliberation_pdf = documents.render_deliberation_text_pdf(snapshot, index)
    assert_same_text(deliberation_pdf, documents.render_deliberation_docx(snapshot, index))
    return flat(" ".join(pdf_pages(convention_pdf))), flat(" ".join(pdf_pages(deliberation_pdf)))


def test_an_epci_where_no_commune_signs(db):
    convention, deliberation = read(convention_snapshot(seed_convention("montlucon")))
    assert "Entre la communauté d'agglomération Montluçon Communauté et la Caf de l'Allier" in convention
    assert "communes membres signataires" not in convention
    assert "La communauté d'agglomération Montluçon Communauté s'engage à : coordonner la mise en œuvre" in convention
    assert "La Caf de l'Allier s'engage à : accompagner le territoire" in convention
    assert "DU CONSEIL COMMUNAUTAIRE" in deliberation


def test_a_convention_that_names_its_own_structure(db):
    convention = exchange.import_convention((SHAPES / "thiers-dore-et-montagne.json").read_bytes())
    text, deliberation = read(convention_snapshot(convention))
    # The parties in the order the convention gives, the Caf first.
    assert (
        "Entre la Caf du Puy-de-Dôme, la communauté de communes Thiers Dore et Montagne "
        "et le Département du Puy-de-Dôme" in text
    )
    assert "Grandir et vieillir ensemble en montagne thiernoise" in text
    assert "https://www.thiers-dore-et-montagne.fr" in text
    # Its own level names and numbers.
    assert "un plan d'actions en 2 enjeux, 2 orientations et 3 actions" in text
    assert "Enjeu A — Vivre en famille en montagne" in text
    assert "Orientation A1 — Rapprocher les services des familles" in text
    assert "Action 2 — Des permanences d'accès aux droits à Saint-Rémy-sur-Durolle" in text
    assert "Annexe 1 — Les actions" in text and "Fiche action" not in text and "Axe 1" not in text
    # Its own diagnostic headings, its consultant.
    assert "Démographie et familles" in text and "Accès aux droits Forces" in text
    assert "un diagnostic des besoins sociaux et des ressources du territoire, réalisé avec le cabinet Compas" in text
    # Its governance bodies, not a fixed text.
    assert "Groupe projet" in text and "Rythme : se réunit chaque trimestre." in text
    assert "au moins une fois par an" not in text and "Comité technique" not in text
    # Each party's commitments: the Caf's own, the others' by default.
    assert "La Caf du Puy-de-Dôme s'engage à : cofinancer le poste de chargée de coopération CTG" in text
    assert "Le Département du Puy-de-Dôme s'engage à : articuler ses politiques" in text
    assert "représentée par la directrice, Claire Vidal" in text
    assert "Le Président, Tony Bernard" not in text  # « représentée par le président, Tony Bernard, »
    assert (
        "représentée par le président, Tony Bernard, dûment habilité par délibération du conseil communautaire" in text
    )
    # The financial annex, from the funding lines, and its acronyms found in all the text.
    assert "Annexe 2 — Le plan de financement" in text
    assert "Caf du Puy-de-Dôme 24 000 24 000 — 48 000" in text
    assert "Sans année" in text and "Total 36 000 24 000 8 000 68 000" in text
    assert "PAJE prestation d'accueil du jeune enfant" in text and "RGPD" in text
    # Every action has its pilot and indicators: the follow-up article says so.
    assert "Chaque action désigne son pilote et ses indicateurs d'évaluation." in text
    # The EPCI's deliberation, in the convention's words.
    assert "elle s'organise autour de 2 enjeux" in deliberation
    assert "« Petite enfance », « Jeunesse » et « Accès aux droits et inclusion numérique »" in deliberation or (
        "« Petite enfance », « Jeunesse »" in deliberation
    )


def test_a_few_communes_of_many_with_the_departement_and_the_msa(db):
    convention = exchange.import_convention((SHAPES / "entre-dore-et-allier.json").read_bytes())
    snapshot = convention_snapshot(convention)
    text, lezoux = read(snapshot, "Commune de Lezoux")
    assert (
        "Entre la communauté de communes Entre Dore et Allier, les communes de Bort-l'Étang, de Lezoux et "
        "d'Orléat, la Caf du Puy-de-Dôme, le Département du Puy-de-Dôme, et la MSA Auvergne" in text
    )
    assert "Les communes de Bort-l'Étang, de Lezoux et d'Orléat s'engagent chacune à :" in text
    assert "La MSA Auvergne s'engage à : mobiliser son action sanitaire et sociale" in text
    # « La Maire » of Lezoux: habilitée; « Le Maire » of Orléat: habilité.
    assert "représentée par la maire, ……………………………, dûment habilitée" in text
    assert "La présente convention ne consigne pas de diagnostic partagé du territoire." in text
    assert "Les parties ont établi ensemble un diagnostic" not in text and "Pour y répondre" not in text
    assert "ceux qui restent à définir le sont par les parties" in text
    assert "Les parties constituent ensemble les instances de pilotage" in text
    assert "35 000 € au total" in text
    assert "Fait en un exemplaire original" not in text
    # Lezoux's act: both sheets concern it (one for the whole territory, one its own).
    assert "2 fiches action sur 2 concernent la commune de Lezoux :" in lezoux
    assert "Issue d'un diagnostic partagé" not in lezoux
    assert "s'appuie sur un diagnostic partagé" not in lezoux
    orleat = next(i for i, p in documents.deliberating_parties(snapshot) if p["organisation"].get("insee") == "63265")
    orleat_text = flat(" ".join(pdf_pages(documents.render_deliberation_text_pdf(snapshot, orleat))))
    assert "1 fiche action sur 2 concerne la commune d'Orléat :" in orleat_text


def test_a_hand_written_convention_comes_back_as_it_was_written(db):
    """Version 2 of the exchange format keeps the convention's own structure."""
    raw = (SHAPES / "thiers-dore-et-montagne.json").read_bytes()
    written = exchange.parse(raw)
    exported = exchange.export_convention(exchange.import_convention(raw))
    assert exported["version"] == 2
    for key in ("subtitle", "website", "levels"):
        assert exported[key] == written[key]
    assert [{k: body[k] for k in written["governance"][0]} for body in exported["governance"]] == written["governance"]
    assert [(p["organisation"]["name"], p["position"]) for p in exported["parties"]] == [
        (p["organisation"]["name"], p["position"]) for p in written["parties"]
    ]
    assert exported["parties"][0]["commitments"] == written["parties"][0]["commitments"]
    assert [(a["code"], [o["code"] for o in a["objectives"]]) for a in exported["axes"]] == [
        ("A", ["A1"]),
        ("B", ["B1"]),
    ]
    assert exported["diagnostic"]["sections"] == written["diagnostic"]["sections"]
    assert exported["diagnostic"]["consultant"] == "le cabinet Compas"
    assert [f["section"] for f in exported["diagnostic"]["findings"]] == [
        f["section"] for f in written["diagnostic"]["findings"]
    ]


def test_an_avenant_is_a_short_act_of_what_changes_with_its_own_deliberation(db):
    """Once version 1 is signed, the next text is « Avenant n° 1 »: what changes, the sheets
    added or modified annexed, approved as such by the councils."""
    from datetime import date

    from django.utils import timezone

    from actions.models import ActionSheet
    from governance.models import ConventionVersion

    convention = seed_convention("commune-2023-2026")
    ConventionVersion.objects.create(
        convention=convention,
        number=1,
        snapshot=convention_snapshot(convention),
        snapshot_sha256="0" * 64,
        signed_sha256="1" * 64,
        sealed_at=timezone.make_aware(timezone.datetime(2023, 3, 14, 10)),
    )
    first, *_ = convention.sheets.all()
    first.description = "Un outil partagé avec les assistants maternels."
    first.save()
    objective = first.objective
    ActionSheet.objects.create(convention=convention, objective=objective, position=99, title="Un relais itinérant")
    convention.end_date = date(2027, 12, 31)
    convention.save()
    snapshot = convention_snapshot(convention)
    text, deliberation = read(snapshot)
    assert "Avenant n° 1 à la convention territoriale globale de Cournon-d'Auvergne 2023-2026" in text
    assert "signée le 14 mars 2023" in text
    assert "Modification : durée, désormais du 1er janvier 2023 au 31 décembre 2027" in text
    assert f"Modification : fiche action 1.1.1 — {flat(first.title)} (description)." in text
    assert "Ajout : fiche action 1.1.9 — Un relais itinérant (annexée)." in text
    assert "Fiche action 1.1.9 — Un relais itinérant" in text  # annexed in full
    assert "Article 13" not in text and "Annexe 2 — Les communes" not in text  # not the convention again
    assert len(pdf_pages(documents.render_convention_pdf(snapshot))) <= 6
    assert (
        "Objet : Approbation de l'avenant n° 1 à la convention territoriale globale de Cournon-d'Auvergne 2023-2026"
        in deliberation
    )
    assert "Article 1er — Approuve l'avenant n° 1" in deliberation
    assert "Autorise le Maire à signer cet avenant" in deliberation
    assert "Annexe : l'avenant n° 1" in deliberation


@pytest.mark.parametrize("seed", ["l-union", "plaine-limagne"])
def test_the_other_demo_conventions_say_the_same_in_pdf_and_docx(db, seed):
    """The demo's other CTGs (Cournon-d'Auvergne in test_documents, Montluçon above): a commune
    alone, and 25 communes with their EPCI, the Département and the MSA."""
    snapshot = convention_snapshot(seed_convention(seed))
    assert_same_text(documents.render_convention_pdf(snapshot), documents.render_convention_docx(snapshot))
