from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from governance.timestamping import LocalTimestampAuthority


class Command(BaseCommand):
    help = (
        "Lance une autorité d'horodatage RFC 3161 locale (démonstration et essais) : son certificat, "
        "auto-signé, est écrit dans le dossier indiqué (tsa.pem, pour SEAL_TSA_ROOTS_FILE)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8010)
        parser.add_argument("--dir", type=Path, default=Path(settings.VAR_DIR) / "tsa")

    def handle(self, *args, host, port, dir, **options):  # noqa: A002 - the option's name
        authority = LocalTimestampAuthority(dir)
        server = authority.serve(host, port)
        self.stdout.write(
            f"Autorité d'horodatage sur http://{host}:{port}/ (certificat : {authority.certificate_file})"
        )
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()
