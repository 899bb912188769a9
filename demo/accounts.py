"""Demo organisations and one account per role; later steps add the seeds' conventions."""

from dataclasses import dataclass

from django.db import transaction

from territories import services
from territories.models import EPCI, Commune, Departement, Organisation, Role, User

DEMO_PASSWORD = "demo-ctg-2026"  # noqa: S105 - the demo's published password


@dataclass(frozen=True)
class DemoAccount:
    email: str
    first_name: str
    last_name: str
    organisation_key: str
    role: str


DEMO_ACCOUNTS = [
    DemoAccount("admin.caf63@demo.example", "Hélène", "Marchand", "caf63", Role.ADMIN),
    DemoAccount("conseillere.caf63@demo.example", "Claire", "Dubois", "caf63", Role.CAF_ADVISER),
    DemoAccount("conseiller.caf03@demo.example", "Julien", "Perrin", "caf03", Role.CAF_ADVISER),
    DemoAccount("coordinatrice.plainelimagne@demo.example", "Sophie", "Bernard", "plaine_limagne", Role.COORDINATOR),
    DemoAccount("coordinateur.montlucon@demo.example", "Karim", "Benali", "montlucon", Role.COORDINATOR),
    DemoAccount("mairie.montpensier@demo.example", "Nathalie", "Roux", "montpensier", Role.COMMUNE_OFFICER),
    DemoAccount("partenaire.msa@demo.example", "Pierre", "Fabre", "msa", Role.PARTNER),
    DemoAccount("lecteur.cd63@demo.example", "Anne", "Morel", "cd63", Role.VIEWER),
    DemoAccount("conseillere.caf31@demo.example", "Inès", "Garcia", "caf31", Role.CAF_ADVISER),
    DemoAccount("mairie.lunion@demo.example", "Paul", "Lefèvre", "lunion", Role.COMMUNE_OFFICER),
    DemoAccount("mairie.cournon@demo.example", "Lucie", "Faure", "cournon", Role.COMMUNE_OFFICER),
]


def _partner(kind, name, departement_code):
    organisation, _ = Organisation.objects.get_or_create(kind=kind, name=name)
    organisation.departements.set(Departement.objects.filter(code=departement_code))
    return organisation


@transaction.atomic
def load_demo_organisations() -> dict[str, Organisation]:
    cafs = Organisation.objects.cafs()
    return {
        "caf63": cafs.get(name="Caf du Puy-de-Dôme"),
        "caf03": cafs.get(name="Caf de l'Allier"),
        "caf31": cafs.get(name="Caf de la Haute-Garonne"),
        "lunion": services.organisation_for_commune(Commune.objects.get(code="31561")),
        "cournon": services.organisation_for_commune(Commune.objects.get(code="63124")),
        "plaine_limagne": services.organisation_for_epci(EPCI.objects.get(name="CC Plaine Limagne")),
        "montlucon": services.organisation_for_epci(EPCI.objects.get(name="CA Montluçon Communauté")),
        "montpensier": services.organisation_for_commune(Commune.objects.get(code="63240")),
        "msa": _partner(Organisation.Kind.MSA, "MSA Auvergne", "63"),
        "cd63": _partner(Organisation.Kind.DEPARTEMENT, "Conseil départemental du Puy-de-Dôme", "63"),
    }


@transaction.atomic
def load_demo_accounts(organisations: dict[str, Organisation]) -> list[tuple[DemoAccount, User]]:
    """Create (or reset) the demo accounts; their password is always DEMO_PASSWORD."""
    accounts = []
    for account in DEMO_ACCOUNTS:
        user, _ = User.objects.get_or_create(email=account.email)
        user.first_name, user.last_name = account.first_name, account.last_name
        user.set_password(DEMO_PASSWORD)
        user.save()
        services.add_member(organisations[account.organisation_key], user, account.role)
        accounts.append((account, user))
    staff, _ = User.objects.get_or_create(
        email="staff@demo.example", defaults={"first_name": "Équipe", "last_name": "Plateforme"}
    )
    staff.is_staff = staff.is_superuser = True
    staff.set_password(DEMO_PASSWORD)
    staff.save()
    return accounts
