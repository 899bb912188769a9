"""Factories that read as situations: OrganisationFactory(intercommunal=True),
MembershipFactory(role="admin"), ConventionFactory(signed=True, communes=3)."""

import io
from datetime import date, time, timedelta

import factory
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from factory.django import DjangoModelFactory
from pypdf import PdfWriter

from actions.models import ActionSheet
from actions.services import add_axis, add_objective
from ctg.lifecycle import Status
from ctg.models import Convention
from governance import deliberations, sealing, workflows
from governance.models import ConventionVersion, SignatureRequest
from governance.services import create_convention, set_parties
from governance.signatories import Signatory
from territories.models import EPCI, Commune, Membership, Organisation, Role, User

DEFAULT_PASSWORD = "mot-de-passe-de-test"


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"personne{n}@exemple.fr")
    first_name = factory.Faker("first_name", locale="fr_FR")
    last_name = factory.Faker("last_name", locale="fr_FR")
    password = factory.PostGenerationMethodCall("set_password", DEFAULT_PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):  # noqa: N805
        if create:
            obj.save()


class OrganisationFactory(DjangoModelFactory):
    """A partner by default; `caf=True`, `intercommunal=True` (an EPCI) or `municipal=True`
    ties it to the real geography."""

    class Meta:
        model = Organisation

    kind = Organisation.Kind.PARTNER
    name = factory.Sequence(lambda n: f"Association partenaire {n}")

    class Params:
        caf = factory.Trait(kind=Organisation.Kind.CAF, name=factory.Sequence(lambda n: f"Caf de test {n}"))
        intercommunal = factory.Trait(
            kind=Organisation.Kind.EPCI,
            epci=factory.Iterator(EPCI.objects.filter(organisation__isnull=True).order_by("siren")),
            name=factory.LazyAttribute(lambda o: o.epci.name),
            siren=factory.LazyAttribute(lambda o: o.epci.siren),
        )
        municipal = factory.Trait(
            kind=Organisation.Kind.COMMUNE,
            commune=factory.Iterator(Commune.objects.filter(organisation__isnull=True).order_by("code")),
            name=factory.LazyAttribute(lambda o: f"Commune {o.commune.name_with_de}"),
            siren=factory.LazyAttribute(lambda o: o.commune.siren),
        )


class MembershipFactory(DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    role = Role.VIEWER


def make_convention(*, caf=None, epci_siren="200071082", commune_code=None, start="2025-01-01", end="2028-12-31"):
    """A draft convention created as an adviser would: the CAF, the territory, all its communes."""
    caf = caf or OrganisationFactory(caf=True)
    epci = EPCI.objects.get(siren=epci_siren) if not commune_code else None
    commune = Commune.objects.get(code=commune_code) if commune_code else None
    if not caf.departements.exists():  # a test CAF covers the territory it is given
        caf.departements.set(
            epci.communes.values_list("departement_id", flat=True).distinct() if epci else [commune.departement_id]
        )
    return create_convention(
        caf=caf, epci=epci, commune=commune, start_date=date.fromisoformat(start), end_date=date.fromisoformat(end)
    )


def add_plan(convention, axes=2, objectives=2, sheets=2):
    """A plan of `axes` × `objectives` × `sheets`, numbered 1.1.1 onwards."""
    for a in range(1, axes + 1):
        axis = add_axis(convention, title=f"Axe {a}")
        for o in range(1, objectives + 1):
            objective = add_objective(axis, title=f"Objectif {a}.{o}")
            for s in range(1, sheets + 1):
                ActionSheet.objects.create(
                    convention=convention, objective=objective, position=s, title=f"Fiche {a}.{o}.{s}"
                )
    return convention


def adopted_decision(party, session_date=None, **overrides):
    """A council's séance as the form records it (today, after the freeze): adopted, with a
    valid @ctes id, transmitted and published the same day (exécutoire)."""
    session_date = session_date or timezone.localdate()
    return {
        "convocation_date": session_date - timedelta(days=5),
        "session_date": session_date,
        "session_time": time(18, 30),
        "session_place": "salle du conseil",
        "president_name": "M. Jean Martin",
        "president_quality": "Maire",
        "outcome": "adopted",
        "in_office": 33,
        "present": 30,
        "represented": 2,
        "proxies": "Mme Anne Roux a donné pouvoir à M. Paul Blanc\nM. Luc Noir a donné pouvoir à Mme Léa Vert",
        "voting": 32,
        "votes_for": 30,
        "votes_against": 0,
        "abstentions": 2,
        "secretary": "Mme Claire Petit",
        "act_id": deliberations.act_id_for(party, session_date, f"D{party.pk}"),
        # Transmitted and published: the act is exécutoire, its signature may open.
        "sent_to_prefecture": session_date,
        "received_by_prefecture": session_date,
        "published_on": session_date,
        **overrides,
    }


# A séance that refuses the convention: no act number, nothing transmitted.
REJECTION = {
    "outcome": "rejected",
    "votes_for": 10,
    "votes_against": 20,
    "act_id": "",
    "sent_to_prefecture": None,
    "received_by_prefecture": None,
    "published_on": None,
}


def scanned_page() -> bytes:
    """A one-page PDF, as a scanner makes it."""
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def sign_on_paper(convention, adviser, signed_on=None):
    """Every party signs on paper, signing group after signing group, by its executive."""
    while requests := list(
        SignatureRequest.objects.filter(convention=convention, status="open").select_related("party")
    ):
        for request in requests:
            workflows.record_paper_signature(
                request,
                signatory=Signatory(
                    request.party.representative_name or "M. Signataire",
                    request.party.representative_title or "Le Maire",
                ),
                signed_on=signed_on or timezone.localdate(),
                scan=SimpleUploadedFile("signature.pdf", scanned_page()),
                by=adviser,
            )


def designate(party, user, *, delegate=False):
    """Name `user`'s account as the party's executive (or, by an arrêté, its delegate)."""
    data = (
        {
            "delegate_name": user.get_full_name() or user.email,
            "delegate_title": "Adjointe déléguée",
            "delegation_order": "2024-12",
            "delegation_date": date(2024, 5, 3),
            "delegate_account": user,
        }
        if delegate
        else {"executive_account": user}
    )
    if party.convention.is_editable:
        data = {
            "representative_name": party.representative_name or (user.get_full_name() or user.email),
            "representative_title": party.representative_title or "Le Maire",
            **data,
        }
    return workflows.designate_signatories(party, data)


class ConventionFactory(DjangoModelFactory):
    """Conventions that read as situations, built with the functions users trigger:

    ConventionFactory()                              a draft of CC Plaine Limagne, 25 communes
    ConventionFactory(commune_code="63124")          a commune's CTG
    ConventionFactory(communes=3)                    the EPCI, the CAF and 3 of its communes
    ConventionFactory(sheets=2)                      with a plan of 2 axes × 2 objectives × 2 sheets
    ConventionFactory(frozen=True)                   in review, then frozen (version 1)
    ConventionFactory(deliberating=True)             frozen, deliberations launched
    ConventionFactory(signed=True)                   every council adopted, every party signed, sealed

    The CAF's adviser who ran it is `convention.adviser`."""

    class Meta:
        model = Convention
        skip_postgeneration_save = True

    class Params:
        epci_siren = "200071082"
        commune_code = None

    caf = factory.SubFactory(OrganisationFactory, caf=True)
    epci = factory.LazyAttribute(lambda o: None if o.commune_code else EPCI.objects.get(siren=o.epci_siren))
    commune = factory.LazyAttribute(lambda o: Commune.objects.get(code=o.commune_code) if o.commune_code else None)
    start_date = date(2025, 1, 1)
    end_date = date(2028, 12, 31)

    @classmethod
    def _create(cls, model_class, *, caf, epci, commune, **fields):
        if not caf.departements.exists():  # a test CAF covers the territory it is given
            caf.departements.set(
                epci.communes.values_list("departement_id", flat=True).distinct() if epci else [commune.departement_id]
            )
        return create_convention(caf=caf, epci=epci, commune=commune, **fields)

    @factory.post_generation
    def adviser(convention, create, extracted, **kwargs):  # noqa: N805
        convention.adviser = extracted or (MembershipFactory(organisation=convention.caf, role=Role.CAF_ADVISER).user)

    @factory.post_generation
    def communes(convention, create, extracted, **kwargs):  # noqa: N805
        """Keep the first `extracted` member communes (by name) as parties."""
        if extracted is None:
            return
        parties = list(convention.parties.select_related("organisation").order_by("organisation__name"))
        communes = [p for p in parties if p.organisation.kind == Organisation.Kind.COMMUNE][:extracted]
        others = [p for p in parties if p.organisation.kind != Organisation.Kind.COMMUNE]
        set_parties(convention, [(party.organisation, {}) for party in others + communes])

    @factory.post_generation
    def sheets(convention, create, extracted, **kwargs):  # noqa: N805
        if extracted:
            add_plan(convention, sheets=extracted)

    @factory.post_generation
    def frozen(convention, create, extracted, **kwargs):  # noqa: N805
        if extracted:
            advance(convention, "frozen")

    @factory.post_generation
    def deliberating(convention, create, extracted, **kwargs):  # noqa: N805
        if extracted:
            advance(convention, "deliberating")

    @factory.post_generation
    def signed(convention, create, extracted, **kwargs):  # noqa: N805
        if extracted:
            advance(convention, "signed")


def advance(convention, stage):
    """Take a draft through the workflow up to `stage`: "frozen", "deliberating" or "signed"."""
    adviser = convention.adviser
    if not convention.axes.exists():
        add_plan(convention, axes=1, objectives=1, sheets=1)
    convention.transition(Status.REVIEW, by=adviser)
    workflows.freeze(convention, by=adviser)
    if stage in ("deliberating", "signed"):
        workflows.launch_deliberations(convention, by=adviser)
    if stage == "signed":
        for deliberation in convention.deliberations.select_related("party__organisation__commune__departement"):
            workflows.record_deliberation(deliberation, adopted_decision(deliberation.party), by=adviser)
        sign_on_paper(convention, adviser)
        sealing.seal(ConventionVersion.objects.current(convention))
    convention.refresh_from_db()
