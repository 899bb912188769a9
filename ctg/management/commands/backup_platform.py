from pathlib import Path

from django.core.management.base import BaseCommand

from ctg.lib.backup import backup


class Command(BaseCommand):
    help = "Sauvegarde la base PostgreSQL (pg_dump) et les fichiers déposés dans un dossier."

    def add_arguments(self, parser):
        parser.add_argument("folder", type=Path, help="dossier de la sauvegarde (créé au besoin)")

    def handle(self, *args, folder, **options):
        dump, files = backup(folder)
        self.stdout.write(f"Sauvegarde écrite : {dump} ({dump.stat().st_size} octets), {files}.")
