import json

from django.core.management.base import BaseCommand, CommandError

from ctg.lib.health import OK, report


class Command(BaseCommand):
    help = "État des parties de la plateforme (base, broker, cache, worker) ; échoue si une partie exigée ne va pas."

    def add_arguments(self, parser):
        parser.add_argument(
            "--require",
            default="database",
            help="parties qui doivent aller bien, séparées par des virgules (database,broker,cache,worker)",
        )

    def handle(self, *args, require, **options):
        checks, _status = report()
        self.stdout.write(json.dumps(checks, ensure_ascii=False))
        failing = [part for part in require.split(",") if checks.get(part.strip()) != OK]
        if failing:
            raise CommandError(f"En défaut : {', '.join(failing)}.")
