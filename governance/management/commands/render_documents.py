import shutil
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from ctg.models import Convention
from governance.generation import produce_documents


class Command(BaseCommand):
    help = (
        "Écrit dans DIR la convention (PDF) et chaque délibération (PDF et DOCX) de la version courante, "
        "avec le même code que les tâches Celery (les documents déjà produits sont réutilisés)."
    )

    def add_arguments(self, parser):
        parser.add_argument("convention_id", type=int)
        parser.add_argument("--out", type=Path, required=True, help="dossier de sortie (créé si besoin)")

    def handle(self, *args, convention_id, out, **options):
        convention = Convention.objects.filter(pk=convention_id).first()
        if convention is None:
            raise CommandError(f"Aucune convention n° {convention_id}.")
        started = time.perf_counter()
        produced = produce_documents(convention)
        out.mkdir(parents=True, exist_ok=True)
        for document in produced:
            with document.file.open("rb") as source, open(out / document.filename, "wb") as target:
                shutil.copyfileobj(source, target)
        self.stdout.write(
            self.style.SUCCESS(
                f"{len(produced)} document(s) écrit(s) dans {out} en {time.perf_counter() - started:.1f} s."
            )
        )
