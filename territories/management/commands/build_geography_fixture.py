import subprocess
import tarfile
import tempfile
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from territories.geography import FIXTURE_PATH, PACKAGE, PACKAGE_VERSION, build_compact, write_compact


class Command(BaseCommand):
    help = (
        f"Régénère la copie compacte de fixtures/ depuis le paquet npm {PACKAGE}@{PACKAGE_VERSION} "
        "(téléchargé avec `npm pack`, ou un dossier data/ déjà extrait avec --data-dir)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--data-dir", type=Path, help="dossier data/ du paquet déjà extrait")
        parser.add_argument("--out", type=Path, default=FIXTURE_PATH)

    def handle(self, *args, data_dir, out, **options):
        with tempfile.TemporaryDirectory() as workdir:
            if data_dir is None:
                data_dir = self._fetch(Path(workdir))
            compact = build_compact(data_dir)
        write_compact(compact, out)
        self.stdout.write(
            self.style.SUCCESS(
                f"{out} : {len(compact['communes'])} communes, {len(compact['epci'])} EPCI, "
                f"{len(compact['departements'])} départements, {len(compact['regions'])} régions."
            )
        )

    def _fetch(self, workdir: Path) -> Path:
        try:
            result = subprocess.run(  # noqa: S603 - fixed arguments
                ["npm", "pack", f"{PACKAGE}@{PACKAGE_VERSION}"],  # noqa: S607
                cwd=workdir,
                check=True,
                capture_output=True,
                text=True,
            )
        except (OSError, subprocess.CalledProcessError) as error:
            raise CommandError(f"npm pack a échoué : {error}") from error
        archive = workdir / result.stdout.strip().splitlines()[-1]
        with tarfile.open(archive) as tar:
            tar.extractall(workdir, filter="data")
        return workdir / "package" / "data"
