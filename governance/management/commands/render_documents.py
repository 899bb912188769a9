import shutil
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from ctg.models import Convention
from governance.generation import produce_documents


class Command(BaseCommand):
    help = (
        "Écrit dans DIR la convention (PDF) et chaque délibération (PDF et DOCX) de la version courante, "
        "et le PDF signé et scellé s'il existe, avec le même code que les tâches Celery "
        "(les documents déjà produits sont réutilisés)."
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
        files = [(document.file, document.filename) for document in produced]
        for version in convention.versions.exclude(signed_sha256=""):
            files.append((version.signed_pdf, f"convention-version-{version.number}-signee.pdf"))
            if version.public_pdf:
                files.append((version.public_pdf, f"convention-version-{version.number}-copie-publique.pdf"))
        for field_file, filename in files:
            with field_file.open("rb") as source, open(out / filename, "wb") as target:
                shutil.copyfileobj(source, target)
        self.stdout.write(
            self.style.SUCCESS(
                f"{len(files)} document(s) écrit(s) dans {out} en {time.perf_counter() - started:.1f} s."
            )
        )
