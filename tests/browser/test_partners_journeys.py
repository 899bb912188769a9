"""After the adviser: the EPCI coordinator imports sheets, updates one and records a
commune's deliberation (a wrong act id refused first); a commune officer downloads the
deliberation-ready PDF and DOCX, records its council's decision with JavaScript disabled,
signs with the code from the e-mail, and downloads the sealed PDF. Through the UI only."""

import io
import re
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import openpyxl
import pytest
from django.utils import timezone
from pypdf import PdfReader

from ctg.models import OutboundEmail
from governance import sealing
from governance.models import ConventionVersion
from territories.models import EPCI, Commune, Organisation, Role
from territories.services import organisation_for_commune, organisation_for_epci
from tests.browser.conftest import record_measure
from tests.factories import DEFAULT_PASSWORD, MembershipFactory, scanned_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def code_for(user):
    email = OutboundEmail.objects.filter(to=user.email, subject__startswith="Votre code").latest("created_at")
    return re.search(r"\d{6}", email.subject).group(0)


def link_for(user):
    email = OutboundEmail.objects.filter(to=user.email, subject__startswith="Signature attendue").latest("created_at")
    return re.search(r"https?://[^/\s]+(/signature/\S+/)", email.body).group(1)


TODAY = timezone.localdate()
DAY = f"{TODAY:%Y%m%d}"


def labelled(page, label):
    """The field of that label exactly (labels end with « : »)."""
    return page.get_by_label(re.compile(rf"^{re.escape(label)}\W*$"))


def record_deliberation(tab, party_name, act_id):
    """The séance as its register records it, held today (after the freeze), transmitted and
    published the same day."""
    page = tab.page
    page.get_by_role("link", name=f"Enregistrer la décision de {party_name}").click()
    tab.check("deliberation")
    labelled(page, "Date de la convocation").fill((TODAY - timedelta(days=5)).isoformat())
    labelled(page, "Date de la séance").fill(TODAY.isoformat())
    labelled(page, "Président·e de séance").fill("M. Jean Martin")
    page.get_by_label("Adoptée", exact=True).check()
    for label, value in {
        "Conseillers en exercice": "33",
        "Présents": "30",
        "Représentés": "2",
        "Votants": "32",
        "Pour": "30",
        "Contre": "0",
        "Abstentions": "2",
    }.items():
        labelled(page, label).fill(value)
    labelled(page, "Pouvoirs").fill("Mme A a donné pouvoir à M. B\nM. C a donné pouvoir à Mme D")
    labelled(page, "Secrétaire(s) de séance").fill("Mme Claire Petit")
    labelled(page, "Identifiant @ctes").fill(act_id)
    labelled(page, "Envoyée en préfecture le").fill(TODAY.isoformat())
    labelled(page, "Publiée le").fill(TODAY.isoformat())
    page.get_by_role("button", name="Enregistrer la décision").click()


def designate(tab, organisation, user, *, delegate):
    """From the parties page: the account that signs, the executive's or a delegate's."""
    page = tab.page
    page.get_by_role("link", name=f"Désigner les signataires de {organisation}").click()
    account = f"{user.get_full_name()} ({user.email})" if user.get_full_name() else user.email
    if delegate:
        labelled(page, "Nom du ou de la délégataire").fill(user.get_full_name() or "M. Marc Olivier")
        labelled(page, "Qualité du ou de la délégataire").fill("Directeur général des services")
        labelled(page, "Arrêté de délégation n°").fill("2025-41")
        labelled(page, "Arrêté du").fill("2025-09-01")
        labelled(page, "Compte du ou de la délégataire sur la plateforme").select_option(label=account)
    else:
        labelled(page, "Nom de l'exécutif").fill(user.get_full_name() or "Mme Anne Leclerc")
        labelled(page, "Compte de l'exécutif sur la plateforme").select_option(label=account)
    tab.check("designation")
    page.get_by_role("button", name="Enregistrer les signataires").click()
    page.get_by_text(f"Signataires de {organisation} enregistrés.").wait_for()


def sign(tab, user):
    page = tab.page
    tab.goto(link_for(user))
    page.get_by_role("button", name="Recevoir un code par courriel").click()
    page.locator("#id_code").fill(code_for(user))
    page.get_by_role("button", name="Signer").click()
    tab.check("signee")


def test_the_coordinator_and_a_commune_take_the_ctg_to_its_sealed_pdf(journey, worker, tmp_path):
    caf = Organisation.objects.cafs().get(name="Caf de l'Allier")
    adviser = MembershipFactory(organisation=caf, role=Role.CAF_ADVISER).user
    epci = organisation_for_epci(EPCI.objects.get(siren="200071082"))
    coordinator = MembershipFactory(organisation=epci, role=Role.COORDINATOR).user
    montlucon = organisation_for_commune(Commune.objects.get(code="03185"))
    officer = MembershipFactory(organisation=montlucon, role=Role.COMMUNE_OFFICER).user
    domerat = organisation_for_commune(Commune.objects.get(code="03101"))
    domerat_mayor = MembershipFactory(organisation=domerat, role=Role.COMMUNE_OFFICER).user

    # The adviser opens the CTG with two communes.
    caf_tab = journey("caf")
    page = caf_tab.page
    caf_tab.login(adviser.email, DEFAULT_PASSWORD)
    caf_tab.goto("/conventions/nouvelle/")
    page.locator("#id_territory").fill("200071082")
    page.locator("#id_start_date").fill("2026-01-01")
    page.locator("#id_end_date").fill("2029-12-31")
    page.get_by_role("button", name="Créer la convention").click()
    kept = {"Caf de l'Allier", "CA Montluçon Communauté", "Commune de Montluçon", "Commune de Domérat"}
    page.get_by_role("button", name="Tout décocher (sauf la Caf)").click()
    for name in kept:
        page.get_by_label(name, exact=True).check()
    page.get_by_role("button", name="Enregistrer la sélection").click()
    designate(caf_tab, "Commune de Montluçon", officer, delegate=False)
    designate(caf_tab, "Commune de Domérat", domerat_mayor, delegate=False)
    designate(caf_tab, "CA Montluçon Communauté", coordinator, delegate=True)
    caf_tab.check("signataires")
    page.get_by_role("link", name="Plan d'actions").click()
    page.get_by_role("link", name="Ajouter un axe").click()
    page.locator("#id_title").fill("La petite enfance")
    page.get_by_role("button", name="Enregistrer").click()
    page.get_by_role("link", name="Ajouter un objectif à l'axe 1").click()
    page.locator("#id_title").fill("Développer l'offre d'accueil")
    page.get_by_role("button", name="Enregistrer").click()
    convention_url = page.url.removesuffix("plan/")

    # The coordinator imports sheets from a spreadsheet and updates one.
    coordinator_tab = journey("coordinateur")
    cpage = coordinator_tab.page
    coordinator_tab.login(coordinator.email, DEFAULT_PASSWORD)
    coordinator_tab.goto(convention_url.removeprefix(coordinator_tab.base_url) + "fiches/importer/")
    book = openpyxl.Workbook()
    book.active.append(["identifiant", "objectif", "intitulé", "statut", "avancement (%)", "pilote"])
    book.active.append(["", "1.1", "Créer un relais petite enfance", "À lancer", 0, "CA Montluçon Communauté"])
    book.active.append(["", "1.1", "Ouvrir une crèche à Domérat", "À lancer", 0, "Commune de Domérat"])
    spreadsheet = tmp_path / "fiches.xlsx"
    book.save(spreadsheet)
    cpage.locator("#id_fichier").set_input_files(str(spreadsheet))
    cpage.get_by_role("button", name="Prévisualiser").click()
    coordinator_tab.check("apercu")
    assert "2 créations" in re.sub(r"\s+", " ", cpage.content())
    cpage.get_by_role("button", name="Confirmer l'import").click()
    coordinator_tab.check("plan")
    cpage.get_by_role("link", name=re.compile("Fiche action 1.1.1")).click()
    cpage.locator("#id_suivi-status").select_option(label="En cours")
    cpage.locator("#id_suivi-progress").fill("25")
    cpage.get_by_role("button", name="Enregistrer le statut").click()
    cpage.get_by_text("Enregistré : en cours, 25 %.").wait_for()
    assert "En cours · 25 %" in " ".join(cpage.locator("#statut-fiche").inner_text().split())
    coordinator_tab.check("suivi")

    # The adviser follows the checklist (the diagnostic's synthesis is missing), opens the
    # review, then freezes and launches the deliberations.
    caf_tab.goto(convention_url.removeprefix(caf_tab.base_url))
    assert page.get_by_role("button", name="Passer en relecture").count() == 0
    page.get_by_role("link", name="Y aller : Le diagnostic partagé est rédigé").click()
    page.get_by_role("link", name="Synthèse et méthode").click()
    labelled(page, "Synthèse du diagnostic").fill("Un territoire urbain où l'offre d'accueil du jeune enfant manque.")
    page.get_by_role("button", name="Enregistrer").click()
    page.get_by_role("link", name="Aperçu").click()
    caf_tab.check("pret-pour-relecture")
    page.get_by_role("button", name="Passer en relecture").click()
    page.get_by_role("link", name="Délibérations et signatures").click()
    page.get_by_role("button", name="Figer la version 1").click()
    page.get_by_role("button", name="Lancer les délibérations").click()
    caf_tab.check("lancees")

    # The coordinator records Domérat's deliberation: a wrong act id first.
    coordinator_tab.goto(convention_url.removeprefix(coordinator_tab.base_url) + "deliberations/")
    record_deliberation(coordinator_tab, "Commune de Domérat", f"003-216301242-{DAY}-D12-DE")
    coordinator_tab.check("act-id-refuse")
    assert "Le SIREN (216301242) n'est pas celui de Commune de Domérat" in cpage.content().replace("&#x27;", "'")
    cpage.locator("#id_act_id").fill(f"003-200071082-{DAY}-D12-DE")
    cpage.get_by_role("button", name="Enregistrer la décision").click()
    assert "n'est pas celui de Commune de Domérat" in cpage.content().replace("&#x27;", "'")
    domerat_siren = domerat.siren
    cpage.locator("#id_act_id").fill(f"003-{domerat_siren}-{DAY}-D12-DE")
    cpage.get_by_role("button", name="Enregistrer la décision").click()
    coordinator_tab.check("domerat-adoptee")
    record_deliberation(coordinator_tab, "CA Montluçon Communauté", f"003-200071082-{DAY}-DC2026_7-DE")
    coordinator_tab.check("epci-adoptee")

    # The commune officer fetches her own deliberation from her home page, produced on demand.
    commune_tab = journey("commune")
    mpage = commune_tab.page
    started = time.monotonic()
    commune_tab.login(officer.email, DEFAULT_PASSWORD)
    assert mpage.get_by_role("heading", name="Ma délibération").is_visible()
    pdf = commune_tab.download(
        lambda: mpage.get_by_role("link", name="Télécharger le PDF de la délibération de Commune de Montluçon").click()
    )
    record_measure("commune : de la connexion au PDF de sa délibération", time.monotonic() - started)
    docx = commune_tab.download(
        lambda: mpage.get_by_role(
            "link", name="Version modifiable (DOCX) de la délibération de Commune de Montluçon"
        ).click()
    )
    assert pdf.startswith(b"%PDF") and docx.startswith(b"PK")
    assert "Montluçon" in PdfReader(io.BytesIO(pdf)).pages[0].extract_text()

    # …records its council's decision with JavaScript disabled (plain forms)…
    no_script = journey("commune-sans-javascript", javascript=False)
    no_script.login(officer.email, DEFAULT_PASSWORD)
    no_script.goto(convention_url.removeprefix(no_script.base_url) + "deliberations/")
    record_deliberation(no_script, "Commune de Montluçon", f"003-{montlucon.siren}-{DAY}-DCM2026_3-DE")
    no_script.check("montlucon-adoptee")
    assert "3 / 3" in no_script.page.content()

    # …and signs with the code from the e-mail; the others sign in their turn.
    sign(commune_tab, officer)
    domerat_tab = journey("domerat")
    domerat_tab.login(domerat_mayor.email, DEFAULT_PASSWORD)
    sign(domerat_tab, domerat_mayor)
    sign(coordinator_tab, coordinator)
    caf_tab.goto(convention_url.removeprefix(caf_tab.base_url) + "circuit/")
    page.get_by_role("link", name="Enregistrer la signature papier de Caf de l'Allier").click()
    labelled(page, "Nom du ou de la signataire").fill("M. Paul Leroy")
    labelled(page, "Qualité").fill("Le Directeur")
    page.locator("#id_signed_on").fill(TODAY.isoformat())
    scan = tmp_path / "scan.pdf"
    scan.write_bytes(scanned_page())
    page.locator("#id_scan").set_input_files(str(scan))
    page.get_by_role("button", name="Enregistrer la signature").click()
    caf_tab.check("toutes-signees")

    # Later, the commune downloads the sealed PDF.
    for _ in range(300):
        if ConventionVersion.objects.exclude(signed_sha256="").exists():
            break
        mpage.wait_for_timeout(200)
    commune_tab.goto(convention_url.removeprefix(commune_tab.base_url) + "circuit/")
    sealed = commune_tab.download(lambda: mpage.get_by_role("link", name="PDF signé et scellé de la version 1").click())
    # pyHanko runs its own event loop: outside Playwright's thread.
    with ThreadPoolExecutor(max_workers=1) as pool:
        assert pool.submit(sealing.verify, sealed).result().ok
    assert sealed.startswith(b"%PDF")
