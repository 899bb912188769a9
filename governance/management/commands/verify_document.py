from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from governance.sealing import verify


class Command(BaseCommand):
    help = (
        "Dit si un PDF est une convention scellée intacte de la plateforme, laquelle, quand et par quel "
        "certificat elle a été scellée, et son horodatage."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)

    def handle(self, *args, file, **options):
        try:
            content = file.read_bytes()
        except OSError as error:
            raise CommandError(f"Lecture impossible : {error}") from error
        result = verify(content)
        for label, value in result.details:
            self.stdout.write(f"{label} : {value}")
        for note in result.notes:
            self.stdout.write(self.style.WARNING(note))
        if not result.ok:
            raise CommandError(result.message)
        self.stdout.write(self.style.SUCCESS(result.message))
