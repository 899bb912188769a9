import sys

from django.core.management.base import BaseCommand, CommandError

from ctg.models import Convention
from governance import exchange


class Command(BaseCommand):
    help = "Écrit une convention entière en JSON (docs/convention-json.md) sur la sortie standard ou dans un fichier."

    def add_arguments(self, parser):
        parser.add_argument("convention_id", type=int)
        parser.add_argument("--out", help="fichier à écrire (par défaut : sortie standard)")

    def handle(self, *args, convention_id, out, **options):
        convention = Convention.objects.filter(pk=convention_id).first()
        if convention is None:
            raise CommandError(f"Aucune convention n° {convention_id}.")
        text = exchange.dumps(exchange.export_convention(convention))
        if out:
            with open(out, "w", encoding="utf-8") as stream:
                stream.write(text)
            self.stderr.write(f"Convention n° {convention_id} écrite dans {out}.")
        else:
            sys.stdout.write(text)
