from pathlib import Path

import environ
from django.core.management.base import BaseCommand, CommandError

from ctg.lib.backup import restore


class Command(BaseCommand):
    help = "Restaure une sauvegarde (backup_platform) dans une base vide et un dossier de fichiers."

    def add_arguments(self, parser):
        parser.add_argument("folder", type=Path, help="dossier de la sauvegarde")
        parser.add_argument("--database-url", required=True, help="base PostgreSQL vide qui reçoit la sauvegarde")
        parser.add_argument("--media-root", type=Path, required=True, help="dossier qui reçoit les fichiers")

    def handle(self, *args, folder, database_url, media_root, **options):
        if not (folder / "base.dump").exists():
            raise CommandError(f"Aucune sauvegarde dans {folder} (base.dump manquant).")
        restore(Path(folder), environ.Env.db_url_config(database_url), Path(media_root))
        self.stdout.write(f"Sauvegarde restaurée dans {database_url.rsplit('@', 1)[-1]} et {media_root}.")
