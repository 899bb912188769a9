"""Factories that read as situations: OrganisationFactory(intercommunal=True),
MembershipFactory(role="admin")."""

import factory
from factory.django import DjangoModelFactory

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
    from datetime import date

    from ctg.services import create_convention

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
    from actions.models import ActionSheet
    from actions.services import add_axis, add_objective

    for a in range(1, axes + 1):
        axis = add_axis(convention, title=f"Axe {a}")
        for o in range(1, objectives + 1):
            objective = add_objective(axis, title=f"Objectif {a}.{o}")
            for s in range(1, sheets + 1):
                ActionSheet.objects.create(
                    convention=convention, objective=objective, position=s, title=f"Fiche {a}.{o}.{s}"
                )
    return convention
