from django.core.management.base import BaseCommand, CommandError

from demo.accounts import DEMO_PASSWORD, load_demo_accounts, load_demo_organisations
from demo.conventions import (
    give_illustrative_sirets,
    load_demo_conventions,
    run_demo_deliberations,
    run_demo_follow_up,
    run_demo_workflow,
)
from territories.models import Commune


class Command(BaseCommand):
    help = "Crée (ou remet en état) les organisations, les comptes et les conventions de démonstration."

    def handle(self, *args, **options):
        if not Commune.objects.exists():
            raise CommandError("La géographie n'est pas chargée : lancez d'abord `manage.py import_geography`.")
        organisations = load_demo_organisations()
        accounts = load_demo_accounts(organisations)
        conventions = load_demo_conventions()
        give_illustrative_sirets(conventions)
        montlucon = next(c for c in conventions if c.epci_id and c.epci.siren == "200071082")
        run_demo_workflow(montlucon)
        run_demo_deliberations(next(c for c in conventions if c.epci_id and c.epci.siren == "200071199"))
        run_demo_follow_up(next(c for c in conventions if c.commune_id and c.commune.code == "63124"))
        conventions = list(type(montlucon).objects.order_by("title"))
        self.stdout.write(self.style.SUCCESS("Conventions de démonstration :"))
        for convention in conventions:
            convention.refresh_from_db()
            self.stdout.write(
                f"  {convention.title} ({convention.parties.count()} parties, {convention.get_status_display().lower()})"
            )
        self.stdout.write(self.style.SUCCESS(f"Comptes de démonstration (mot de passe pour tous : {DEMO_PASSWORD})"))
        self.stdout.write(f"  {'staff@demo.example':45} équipe plateforme (administration Django)")
        for account, _user in accounts:
            organisation = organisations[account.organisation_key]
            self.stdout.write(f"  {account.email:45} {organisation.name} — {account.role.label}")
