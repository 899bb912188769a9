"""The documents: text extracted from the PDFs and the DOCX, the rules of the layout, the
jobs that produce them and who may download them."""

import io
import re

import docx
import pytest
from django.core.management import call_command
from django.template.loader import render_to_string
from django.urls import reverse
from pypdf import PdfReader

from ctg.lib.pdf import html_to_pdf
from ctg.lib.typography import french, french_sorted
from ctg.lifecycle import Status
from ctg.models import Convention
from governance import documents, workflows
from governance.generation import document_snapshot, produce_documents, run_job
from governance.legal import TRIBUNAL_BY_DEPARTEMENT, acronyms_in
from governance.models import Document
from governance.snapshot import convention_snapshot
from territories.models import Departement, Role
from territories.services import organisation_for_commune
from tests.documents import assert_same_text, docx_document, docx_text
from tests.factories import MembershipFactory, adopted_decision
from tests.helpers import seed_convention


def pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return "\n".join(page.extract_text() for page in reader.pages)


def flat(text: str) -> str:
    """Extracted text with every kind of space made plain, and words split by line ends joined."""
    text = re.sub(r"-\n(?=[a-zà-ÿ])", "", text)  # words hyphenated at a line end
    text = text.replace("\u00a0", " ").replace("\u202f", " ")
    return re.sub(r"\s+", " ", text)


@pytest.fixture
def cournon(db):
    return seed_convention("commune-2023-2026")


def test_the_convention_pdf_has_every_part(cournon):
    snapshot = convention_snapshot(cournon)
    content = documents.render_convention_pdf(snapshot)
    reader = PdfReader(io.BytesIO(content))
    pages = len(reader.pages)
    text = flat(pdf_text(content))
    assert "Entre les soussignés" in text
    # The cover names who signs, with their articles: a commune alone and its Caf.
    assert "Entre la commune de Cournon-d'Auvergne et la Caf du Puy-de-Dôme" in text
    assert "La commune de Cournon-d'Auvergne (SIREN 216301242), représentée par le maire" in text
    assert "représentée par le maire" in text
    # « Le Maire »: the past participle agrees with the representative's title.
    # Its date, unknown when the text is frozen, is on the signed original's evidence page.
    assert (
        "dûment habilité par délibération du conseil municipal (sa date figure au relevé des délibérations "
        "joint à l'original signé)," in text
    )
    assert "Caf du Puy-de-Dôme" in text and "le directeur" in text
    for article in (
        "Article 1 — Objet de la convention",
        "Article 6 — Les engagements financiers",
        "Article 9 — La protection des données personnelles",
        "Article 11 — La révision par avenant",
        "Article 13 — Les litiges",
    ):
        assert article in text
    assert "le litige est porté devant le tribunal administratif de Clermont-Ferrand" in text
    for sheet in cournon.sheets.all():
        assert flat(sheet.title)[:40] in text, sheet.title
    assert "Fiche action 5.1.5 — Mettre en place un bus itinérant" in text
    assert f"Page 1 / {pages}" in text and f"Page {pages} / {pages}" in text
    assert "Du 1er janvier 2023 au 31 décembre 2026" in text
    assert "Annexe 3 — Les sigles" in text and "LAEP lieu d'accueil enfants-parents" in text
    assert "REAAP" not in text  # only the acronyms the convention uses
    # The table of contents gives page numbers.
    assert re.search(r"Article 13 — Les litiges \.{5,} \d+", text)
    # Each signatory's commitments; résiliation by agreement as well as for breach.
    assert "La commune de Cournon-d'Auvergne s'engage à : coordonner la mise en œuvre du plan d'actions" in text
    assert "La Caf du Puy-de-Dôme s'engage à : accompagner le territoire" in text
    assert "résiliée d'un commun accord entre les parties" in text
    assert "un exemplaire original signé électroniquement ou" not in text


def test_every_page_of_a_draft_says_projet_and_a_frozen_one_does_not(cournon):
    draft = PdfReader(io.BytesIO(documents.render_convention_pdf(convention_snapshot(cournon))))
    assert all("PROJET" in page.extract_text() for page in draft.pages)
    Convention.objects.filter(pk=cournon.pk).update(status=Status.FROZEN)
    cournon.refresh_from_db()
    frozen = PdfReader(io.BytesIO(documents.render_convention_pdf(convention_snapshot(cournon))))
    assert not any("PROJET" in page.extract_text() for page in frozen.pages)
    editable = docx_document(documents.render_convention_docx(convention_snapshot(cournon)))
    assert "PROJET" not in editable.sections[0].header._element.xml


def test_french_typography_and_fonts(cournon):
    content = documents.render_convention_pdf(convention_snapshot(cournon))

    assert french("Exemples d'actions : a; b!") == "Exemples d'actions\u00a0: a\u202f; b\u202f!"
    assert french('le dispositif "savoir rouler"') == "le dispositif «\u00a0savoir rouler\u00a0»"
    assert french("http://x.fr:80 à 14:30") == "http://x.fr:80 à 14:30"
    fonts = {
        str(font["/BaseFont"])
        for page in PdfReader(io.BytesIO(content)).pages
        for font in page["/Resources"]["/Font"].values()
    }
    assert {font.split("+")[1].rstrip(",") for font in fonts} == {
        "Source-Serif-4",
        "Source-Serif-4-Bold",
        "Source-Sans-3",
        "Source-Sans-3-Bold",
    }


def test_no_name_address_or_identifier_is_cut_at_a_line_end(db):
    """No automatic hyphenation, and compound names, addresses and identifiers are kept whole:
    a line never ends inside « Clermont-Ferrand » nor « www.exemple-du-territoire.fr »."""
    convention = seed_convention("montlucon")
    convention.summary = " ".join(
        [
            "Les familles de Saint-Victor, de Domérat-Bourg et de Clermont-Ferrand consultent www.exemple-du-territoire.fr"
        ]
        * 12
    )
    convention.save()
    text = pdf_text(documents.render_convention_pdf(convention_snapshot(convention)))
    assert text.count("www.exemple-du-territoire.fr") == 12 and text.count("Clermont-Ferrand") >= 12
    assert not re.search(r"\w-\n", text), re.findall(r".{30}\w-\n.{10}", text)[:5]


def test_names_are_sorted_in_french_order():
    assert french_sorted(["Domérat", "Désertines", "Effiat", "Aigueperse", "Évaux-les-Bains", "Estivareilles"]) == [
        "Aigueperse",
        "Désertines",
        "Domérat",
        "Effiat",
        "Estivareilles",
        "Évaux-les-Bains",
    ]


def test_every_departement_has_its_tribunal(db):
    codes = set(Departement.objects.values_list("code", flat=True))
    assert codes <= set(TRIBUNAL_BY_DEPARTEMENT)
    assert len(codes) == 101


def test_acronyms_are_only_those_used():
    assert acronyms_in(["Création d'un RPE unique", "ALSH de Randan", "Caf du Puy-de-Dôme"]) == [
        ("ALSH", "accueil de loisirs sans hébergement"),
        ("CAF", "caisse d'allocations familiales"),
        ("RPE", "relais petite enfance"),
    ]


def test_the_deliberation_of_a_commune(cournon):
    snapshot = convention_snapshot(cournon)
    ((index, party),) = documents.deliberating_parties(snapshot)
    convention_pdf = documents.render_convention_pdf(snapshot)
    content = documents.render_deliberation_pdf(snapshot, index, convention_pdf)
    text = flat(pdf_text(content))
    assert "EXTRAIT DU REGISTRE DES DÉLIBÉRATIONS DU CONSEIL MUNICIPAL" in text
    assert "La commune de Cournon-d'Auvergne — SIREN 216301242" in text
    assert "Département du Puy-de-Dôme" in text
    assert (
        "Objet : Approbation de la Convention territoriale globale 2023-2026 de la commune de Cournon-d'Auvergne avec la Caf du Puy-de-Dôme"
        in text
    )
    assert "article L2121-29" in text
    assert "Article 1er — Approuve la convention territoriale globale" in text
    assert "Article 2 — Autorise le Maire à signer cette convention et tout document s'y rapportant." in text
    assert "Membres en exercice" in text and "Secrétaire(s) de séance" in text
    assert "recours pour excès de pouvoir devant le tribunal administratif de Clermont-Ferrand" in text
    assert "recours gracieux" in text and "citoyens.telerecours.fr" in text
    assert "Télérecours citoyens" in text
    # The convention is attached after the deliberation.
    deliberation_pages = len(PdfReader(io.BytesIO(documents.render_deliberation_text_pdf(snapshot, index))).pages)
    assert len(PdfReader(io.BytesIO(content)).pages) == deliberation_pages + len(
        PdfReader(io.BytesIO(convention_pdf)).pages
    )
    assert "Article 13 — Les litiges" in text


def test_the_editable_deliberation_and_convention_say_what_their_pdfs_say(cournon):
    """One source per act: the DOCX is written from the PDF's HTML, on A4, in French, with page
    numbers and, until the text is frozen, « PROJET » on every page."""
    snapshot = convention_snapshot(cournon)
    ((index, _party),) = documents.deliberating_parties(snapshot)
    deliberation = documents.render_deliberation_docx(snapshot, index)
    assert_same_text(documents.render_deliberation_text_pdf(snapshot, index), deliberation)
    convention = documents.render_convention_docx(snapshot)
    assert_same_text(documents.render_convention_pdf(snapshot), convention)

    text = flat(docx_text(deliberation))
    assert "La commune de Cournon-d'Auvergne — SIREN 216301242" in text
    assert "Article 1er — Approuve" in text and "Article 2 — Autorise le Maire" in text
    assert "Membres en exercice" in text
    for content, title in (
        (deliberation, "Délibération du conseil municipal — la commune de Cournon-d'Auvergne"),
        (convention, "Convention territoriale globale de Cournon-d'Auvergne 2023-2026"),
    ):
        document = docx_document(content)
        section = document.sections[0]
        assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
        core = document.core_properties
        assert (core.title, core.language) == (title, "fr-FR")
        assert "python-docx" not in f"{core.author}{core.comments}{core.last_modified_by}"
        assert 'w:val="fr-FR"' in document.styles.element.xml
        assert "PAGE" in section.footer._element.xml and "NUMPAGES" in section.footer._element.xml
        assert "PROJET" in section.header.paragraphs[0].text
    assert docx_document(convention).core_properties.author == "Caf du Puy-de-Dôme"
    assert docx_document(deliberation).core_properties.author == "Commune de Cournon-d'Auvergne"


def test_an_epci_deliberates_in_its_conseil_communautaire(db):
    montlucon = seed_convention("montlucon")
    snapshot = convention_snapshot(montlucon)
    ((index, _party),) = documents.deliberating_parties(snapshot)
    text = flat(pdf_text(documents.render_deliberation_text_pdf(snapshot, index)))
    assert "DU CONSEIL COMMUNAUTAIRE" in text
    assert "Communauté d'agglomération Montluçon Communauté — SIREN 200071082" in text
    assert "ses articles L5211-1 et L5216-5" in text
    assert "Autorise le Président à signer" in text


def test_documents_are_stored_once_per_content(cournon, tmp_path):
    first = produce_documents(cournon)
    assert [d.kind for d in first] == ["convention", "convention_docx", "deliberation_pdf", "deliberation_docx"]
    again = produce_documents(cournon)
    assert [d.pk for d in again] == [d.pk for d in first]
    assert Document.objects.count() == 4
    sheet = cournon.sheets.first()
    sheet.title = "Un titre nouveau"
    sheet.save()
    changed = produce_documents(cournon)
    assert Document.objects.count() == 8
    assert changed[0].pk != first[0].pk
    with first[0].file.open("rb") as stream:
        assert "Un titre nouveau" not in pdf_text(stream.read())  # a stored file never changes


def test_render_documents_writes_every_file(cournon, tmp_path, capsys):
    call_command("render_documents", cournon.pk, "--out", str(tmp_path))
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == [
        "convention-commune-de-cournon-dauvergne-2023-2026.docx",
        "convention-commune-de-cournon-dauvergne-2023-2026.pdf",
        "deliberation-commune-de-cournon-dauvergne.docx",
        "deliberation-commune-de-cournon-dauvergne.pdf",
    ]
    assert "4 document(s) écrit(s)" in capsys.readouterr().out


def test_downloads_are_for_those_who_may_see_the_convention(client, cournon):
    (convention_document, *_rest) = produce_documents(cournon)
    url = reverse("document_download", kwargs={"convention_pk": cournon.pk, "document_pk": convention_document.pk})

    officer = MembershipFactory(organisation=organisation_for_commune(cournon.commune), role=Role.COMMUNE_OFFICER).user
    client.force_login(officer)
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    outsider = MembershipFactory(role=Role.ADMIN).user
    client.force_login(outsider)
    assert client.get(url).status_code == 404


def test_the_documents_page_lists_them_and_asks_for_them(client, cournon, django_capture_on_commit_callbacks):

    officer = MembershipFactory(organisation=organisation_for_commune(cournon.commune), role=Role.COMMUNE_OFFICER).user
    client.force_login(officer)
    url = reverse("document_list", kwargs={"convention_pk": cournon.pk})
    assert "Produire tous les documents" in client.get(url).content.decode()
    with django_capture_on_commit_callbacks() as callbacks:
        client.post(reverse("document_generate", kwargs={"convention_pk": cournon.pk}))
        client.post(reverse("document_generate", kwargs={"convention_pk": cournon.pk}))
    assert len(callbacks) == 1  # one job at a time
    html = client.get(url).content.decode()
    assert "Production en cours" in html and 'hx-trigger="every 2s"' in html

    run_job(cournon.document_jobs.get().pk)
    html = client.get(url).content.decode()
    assert "Délibérations des parties (1)" in html and "Produire tous les documents" not in html
    assert "convention-commune-de-cournon-dauvergne-2023-2026.pdf" in html
    assert "SHA-256" not in html and "Kio" not in html  # for the Caf's managers, and French units


def test_a_commune_gets_its_own_deliberation_on_demand_from_its_home_page(client, db):
    """Plaine Limagne, 26 parties that deliberate: Montpensier's agent opens her home page,
    reads her act in the browser and downloads it, without any other party's being produced."""
    convention = seed_convention("plaine-limagne")
    montpensier = convention.parties.get(organisation__commune__code="63240")
    agent = MembershipFactory(organisation=montpensier.organisation, role=Role.COMMUNE_OFFICER).user
    client.force_login(agent)
    home = client.get(reverse("home")).content.decode()
    assert "Ma délibération" in home and "Commune de Montpensier" in home
    pdf_url = reverse(
        "party_deliberation",
        kwargs={"convention_pk": convention.pk, "party_pk": montpensier.pk, "document_format": "pdf"},
    )
    assert f'href="{pdf_url}?apercu=1"' in home

    preview = client.get(pdf_url + "?apercu=1")
    assert preview.status_code == 200 and preview["Content-Disposition"].startswith("inline")
    text = flat(pdf_text(b"".join(preview.streaming_content)))
    assert "La commune de Montpensier" in text and "EXTRAIT DU REGISTRE DES DÉLIBÉRATIONS" in text
    assert "PROJET" in text
    # Her act and the convention it annexes, nothing else.
    assert sorted(convention.documents.values_list("kind", flat=True)) == ["convention", "deliberation_pdf"]

    download = client.get(pdf_url)
    assert download["Content-Disposition"].startswith("attachment") and "montpensier" in download["Content-Disposition"]
    docx_url = pdf_url.replace(".pdf", ".docx")
    response = client.get(docx_url)
    assert response.status_code == 200 and "Montpensier" in "\n".join(
        p.text for p in docx.Document(io.BytesIO(b"".join(response.streaming_content))).paragraphs
    )
    # A second commune's act reuses the convention PDF by its content.
    aigueperse = convention.parties.get(organisation__commune__code="63001")
    client.get(pdf_url.replace(f"/{montpensier.pk}.pdf", f"/{aigueperse.pk}.pdf"))
    assert convention.documents.filter(kind="convention").count() == 1
    assert convention.documents.filter(kind="deliberation_pdf").count() == 2

    # The documents page puts her own act first; the Caf, which does not deliberate, has none.
    page = client.get(reverse("document_list", kwargs={"convention_pk": convention.pk})).content.decode()
    assert page.index("Délibération de Commune de Montpensier") < page.index("Délibérations des parties (26)")
    caf = convention.parties.get(organisation=convention.caf)
    assert client.get(pdf_url.replace(f"/{montpensier.pk}.pdf", f"/{caf.pk}.pdf")).status_code == 404
    client.force_login(MembershipFactory(role=Role.ADMIN).user)
    assert client.get(pdf_url).status_code == 404
    # Once its council has adopted the text, the card leaves her home page.
    convention.transition(Status.REVIEW)
    workflows.freeze(convention)
    workflows.launch_deliberations(convention)
    client.force_login(agent)
    assert "Enregistrer la décision" in client.get(reverse("home")).content.decode()
    deliberation = convention.deliberations.get(party=montpensier)
    workflows.record_deliberation(deliberation, adopted_decision(montpensier))
    assert "Ma délibération" not in client.get(reverse("home")).content.decode()
    # Montpensier now signs; Aigueperse, whose council has not sat yet, still has its card.
    convention.refresh_from_db()
    assert convention.status == Status.SIGNATURES
    client.force_login(MembershipFactory(organisation=aigueperse.organisation, role=Role.COMMUNE_OFFICER).user)
    assert "Ma délibération" in client.get(reverse("home")).content.decode()


def test_each_of_the_26_plaine_limagne_deliberations_is_its_own(db):
    convention = seed_convention("plaine-limagne")
    snapshot = convention_snapshot(convention)
    parties = documents.deliberating_parties(snapshot)
    assert len(parties) == 26
    for index, party in parties:
        details = party["details"]
        text = flat(pdf_text(documents.render_deliberation_text_pdf(snapshot, index)))
        assert f"— SIREN {details['siren']}" in text, details["name"]
        if details["kind"] == "commune":
            assert f"{details['body'][0].upper()}{details['body'][1:]}" in text
            assert "DU CONSEIL MUNICIPAL" in text and "Autorise le Maire" in text
        else:
            assert "DU CONSEIL COMMUNAUTAIRE" in text and "Autorise le Président" in text


def test_a_recorded_decision_renews_only_its_own_deliberation_document(db):

    convention = seed_convention("montlucon")
    snapshot = convention_snapshot(convention)
    before = {
        index: documents.input_hash(snapshot, "deliberation_pdf", index) for index, _ in enumerate(snapshot["parties"])
    }
    snapshot["parties"][0]["deliberation"] = {"session_date": "2026-02-12", "outcome": "adopted"}
    after = {
        index: documents.input_hash(snapshot, "deliberation_pdf", index) for index, _ in enumerate(snapshot["parties"])
    }
    assert before[0] != after[0]
    assert all(before[i] == after[i] for i in before if i != 0)
    assert documents.input_hash(snapshot, "convention") == documents.input_hash(
        {**snapshot, "parties": [{**p, "deliberation": None} for p in snapshot["parties"]]}, "convention"
    )
    assert document_snapshot(convention)[1] is None  # a draft is rendered from its live text


def test_a_document_reads_the_app_s_static_files_and_nothing_else(tmp_path):
    """Whatever a document's text holds, WeasyPrint reads the app's style sheets and fonts only:
    neither another file of the server nor the network."""
    leak = tmp_path / "fuite.css"
    leak.write_text('p::after { content: " FUITE-DU-SERVEUR" }')
    html = (
        '<html><head><link rel="stylesheet" href="css/print.css">'
        f'<link rel="stylesheet" href="{leak.as_uri()}">'
        '<link rel="stylesheet" href="http://127.0.0.1:9/distant.css"></head>'
        "<body><p>Texte de la convention</p></body></html>"
    )
    pdf = html_to_pdf(html)
    text = pdf_text(pdf)
    assert "Texte de la convention" in text and "FUITE" not in text
    fonts = PdfReader(io.BytesIO(pdf)).pages[0]["/Resources"]["/Font"]
    assert any("Source" in str(font.get_object()["/BaseFont"]) for font in fonts.values())


def test_an_indicator_table_stays_inside_the_page_margins(db):
    """A long unit and a long source wrap inside their cells instead of running past the margin."""
    from weasyprint import HTML
    from weasyprint.formatting_structure import boxes

    from ctg.lib.pdf import STATIC, StaticOnlyFetcher

    indicator = {
        "label": "Taux de couverture en accueil du jeune enfant",
        "value": "48.5",
        "unit": "places pour 100 enfants de moins de 3 ans",
        "departement_value": "60.25",
        "france_value": "59.8",
        "year": 2024,
        "source": "Observatoire national de la petite enfance (Onape), données Caf et Insee au 31 décembre",
    }
    table = render_to_string("documents/_indicators.html", {"indicators": [indicator]})
    html = f'<html lang="fr"><head><link rel="stylesheet" href="css/print.css"></head><body>{table}</body></html>'
    page = HTML(string=html, base_url=str(STATIC), url_fetcher=StaticOnlyFetcher()).render().pages[0]._page_box
    right = page.content_box_x() + page.width
    texts = [box for box in page.descendants() if isinstance(box, boxes.TextBox)]
    assert texts and max(box.position_x + box.width for box in texts) <= right + 0.5
