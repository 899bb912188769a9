from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from governance import exchange


class Command(BaseCommand):
    help = "Crée une convention en brouillon depuis un document JSON ; rien n'est enregistré en cas d'erreur."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)

    def handle(self, *args, file, **options):
        try:
            raw = file.read_bytes()
        except OSError as error:
            raise CommandError(f"Lecture impossible : {error}") from error
        try:
            convention = exchange.import_convention(raw, partners_by_invitation=False)
        except exchange.ImportErrors as error:
            lines = "\n".join(f"  {path} : {message}" for path, message in error.errors)
            raise CommandError(
                f"Document refusé, rien n'a été importé ({len(error.errors)} erreur(s)) :\n{lines}"
            ) from None
        self.stdout.write(
            self.style.SUCCESS(
                f"Convention n° {convention.pk} importée : {convention.title} "
                f"({convention.parties.count()} parties, {convention.sheets.count()} fiches action)."
            )
        )
