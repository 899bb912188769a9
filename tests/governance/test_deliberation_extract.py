"""The extract of the register is the truth of the record, read back as text from the PDF:
for a commune, a communauté de communes, a communauté d'agglomération and a métropole,
adopted and rejected, with every mention the CGCT asks for and, once transmitted, its stamp."""

import io
import re

import pytest
from pypdf import PdfReader

from ctg.lifecycle import Status
from governance import documents, workflows
from governance.deliberations import act_id_for, presiding_title, secretaries, secretary_heading
from governance.generation import document_snapshot
from governance.models import Deliberation
from territories.models import EPCI
from tests.factories import REJECTION, add_plan, adopted_decision, make_convention

pytestmark = pytest.mark.django_db


def extract_text(convention, kind, **changes) -> str:
    """Freeze, launch, record the séance of the party of that kind, render its extract."""
    add_plan(convention, axes=1, objectives=1, sheets=1)
    convention.transition(Status.REVIEW)
    workflows.freeze(convention)
    workflows.launch_deliberations(convention)
    deliberation = party_deliberation(convention, kind)
    decision = adopted_decision(deliberation.party, **changes)
    workflows.record_deliberation(deliberation, decision)
    convention.refresh_from_db()
    snapshot, _version = document_snapshot(convention)
    index = next(i for i, p in enumerate(snapshot["parties"]) if p["details"]["party_id"] == deliberation.party_id)
    pdf = documents.render_deliberation_text_pdf(snapshot, index)
    text = re.sub(r"\s+", " ", " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages))
    return re.sub(r"(\w)- (\w)", r"\1\2", text)  # words hyphenated at the end of a line


def party_deliberation(convention, kind):
    return (
        Deliberation.objects.select_related("party__organisation")
        .filter(convention=convention, party__organisation__kind=kind)
        .order_by("pk")
        .first()
    )


def rejected(**changes):
    return {**REJECTION, **changes}


EPCI_CASES = {
    "CC": ("200071199", "Communauté de communes Plaine Limagne", "L5214-16", "conseil communautaire"),
    "CA": ("200071082", "Communauté d'agglomération Montluçon Communauté", "L5216-5", "conseil communautaire"),
}


STATUTORY = {"CU": ("L5215-20", "conseil communautaire"), "ME": ("L5217-2", "conseil de la métropole")}


@pytest.mark.parametrize("outcome", ["adopted", "rejected"])
@pytest.mark.parametrize("kind", ["CC", "CA", "CU", "ME"])
def test_an_epci_extract_names_the_epci_by_its_statutes_and_cites_its_competence(kind, outcome):
    if kind in STATUTORY:
        epci = EPCI.objects.filter(kind=kind).order_by("siren").first()
        siren, name, (article, council) = epci.siren, epci.statutory_name, STATUTORY[kind]
    else:
        siren, name, article, council = EPCI_CASES[kind]
    changes = rejected() if outcome == "rejected" else {}
    text = extract_text(make_convention(epci_siren=siren), "epci", **changes)
    assert "République française — Département" in text
    assert name in text and f"EXTRAIT DU REGISTRE DES DÉLIBÉRATIONS DU {council.upper()}" in text.upper()
    assert f"notamment ses articles L5211-1 et {article}" in text
    assert f"Vu les statuts de la {name}" in text
    assert "L5211-10" not in text and "son article L5211-1 et" not in text
    if outcome == "adopted":
        assert "Article 1er — Approuve la convention" in text and "Autorise le Président à signer" in text
        assert "Acte rendu exécutoire (article L2131-1)" in text
    else:
        assert "Article unique — Refuse d'approuver" in text and "n'autorise pas le Président à la signer" in text
        assert "Approuve la convention" not in text and "Pour extrait certifié conforme" not in text


@pytest.mark.parametrize(
    ("quality", "name", "secretary", "headings"),
    [
        ("Maire", "Mme Lucie Faure", "M. Paul Blanc", ("La Maire", "Le secrétaire de séance")),
        ("1er adjoint", "M. Luc Noir", "Mme A, M. B", ("Le 1er adjoint", "Les secrétaires de séance")),
        (
            "Adjointe déléguée",
            "Mme Léa Vert",
            "Claude Dominique",
            ("L'Adjointe déléguée", "Le ou la secrétaire de séance"),
        ),
        ("La Présidente", "Mme Anne Roux", "Mme Claire Petit", ("La Présidente", "La secrétaire de séance")),
        ("", "Mme Anne Roux", "Mme Claire Petit", ("La présidente de séance", "La secrétaire de séance")),
    ],
)
def test_the_signature_headings_agree_with_who_presided_and_who_was_secretary(quality, name, secretary, headings):
    assert (presiding_title(quality, name), secretary_heading(secretaries(secretary))) == headings


def test_a_rejected_vote_prints_a_rejection():
    text = extract_text(make_convention(epci_siren="200071199"), "commune", **rejected())
    assert "Article unique — Refuse d'approuver" in text
    assert "n'autorise pas le Maire à la signer" in text
    assert "La convention n'est pas approuvée" in text
    for approval in ("Article 1er", "Approuve la convention", "Autorise le Maire", "Pour extrait certifié conforme"):
        assert approval not in text, approval
    assert "ID :" not in text and "exécutoire" not in text


def test_a_tie_decided_by_the_casting_vote_says_so():
    text = extract_text(
        make_convention(epci_siren="200071199"), "commune", votes_for=15, votes_against=15, casting_vote=True
    )
    assert "la voix du président étant prépondérante" in text


def test_a_second_convocation_replaces_the_quorum_sentence():
    text = extract_text(
        make_convention(epci_siren="200071199"),
        "commune",
        present=10,
        represented=2,
        voting=12,
        votes_for=10,
        second_convocation=True,
    )
    assert "délibère valablement sans condition de quorum" in text and "Le quorum étant atteint" not in text


def test_the_act_id_helper_builds_what_the_rules_accept():
    convention = make_convention(epci_siren="200071199")
    party = (
        convention.parties.select_related("organisation__commune__departement")
        .filter(organisation__kind="commune")
        .first()
    )
    assert act_id_for(party, __import__("datetime").date(2024, 9, 26), "DCM20240926_4").startswith("063-")
