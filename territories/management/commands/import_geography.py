import time
from pathlib import Path

from django.core.management.base import BaseCommand

from territories.geography import FIXTURE_PATH, load_geography


class Command(BaseCommand):
    help = "Charge (ou met à jour) régions, départements, EPCI, communes et les Caf depuis fixtures/."

    def add_arguments(self, parser):
        parser.add_argument("--file", type=Path, default=FIXTURE_PATH, help="copie compacte à charger")

    def handle(self, *args, file, **options):
        started = time.perf_counter()
        report = load_geography(file)
        for line in report.lines():
            self.stdout.write(line)
        self.stdout.write(self.style.SUCCESS(f"Géographie chargée en {time.perf_counter() - started:.1f} s."))
