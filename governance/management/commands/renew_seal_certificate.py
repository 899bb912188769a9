from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from governance.certificates import renew
from governance.seal_file import CertificateError


class Command(BaseCommand):
    help = (
        "Remplace le certificat de scellement de la plateforme (SEAL_PKCS12_FILE) par le PKCS#12 indiqué, "
        "après l'avoir vérifié ; l'ancien reste dans l'historique des certificats, et les documents qu'il a "
        "scellés restent vérifiables. Sans --from (démonstration et tests seulement) : un nouveau certificat "
        "auto-signé."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--from",
            dest="new_pkcs12",
            type=Path,
            help="le nouveau certificat (PKCS#12, même phrase secrète SEAL_PKCS12_PASSPHRASE)",
        )

    def handle(self, *args, new_pkcs12=None, **options):
        try:
            previous, current = renew(new_pkcs12)
        except CertificateError as error:
            raise CommandError(str(error)) from error
        if previous and previous.pk != current.pk:
            self.stdout.write(f"Ancien certificat (conservé dans l'historique) : {previous.subject}")
            self.stdout.write(f"  empreinte SHA-256 {previous.formatted_fingerprint}")
        self.stdout.write(self.style.SUCCESS(f"Nouveau certificat de scellement : {current.subject}"))
        self.stdout.write(f"  empreinte SHA-256 {current.formatted_fingerprint}")
        self.stdout.write(f"  valide du {current.not_before:%d/%m/%Y} au {current.not_after:%d/%m/%Y}")
        self.stdout.write("Le prochain scellement, par le web ou le worker, utilise le nouveau certificat.")
