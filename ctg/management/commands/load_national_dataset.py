"""Fill an empty database with the national load of the benchmarks (ctg/national.py)."""

import time

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from ctg.national import NationalDataset
from territories.models import Commune


class Command(BaseCommand):
    help = "Charge le jeu de données national (101 Caf, EPCI, communes, ~1 300 conventions, ~60 000 fiches)."

    def add_arguments(self, parser):
        parser.add_argument("--conventions", type=int, default=1300)
        parser.add_argument("--sheets", type=int, default=60000)
        parser.add_argument("--users", type=int, default=5000)

    def handle(self, *args, **options):
        started = time.perf_counter()
        if not Commune.objects.exists():
            call_command("import_geography", stdout=self.stdout)
        dataset = NationalDataset(
            conventions=options["conventions"],
            sheets=options["sheets"],
            users=options["users"],
            out=self.stdout.write,
        )
        try:
            report = dataset.build()
        except ValueError as error:
            raise CommandError(str(error)) from error
        for line in report.lines():
            self.stdout.write(f"  {line}")
        self.stdout.write(self.style.SUCCESS(f"Jeu national chargé en {time.perf_counter() - started:.0f} s."))
