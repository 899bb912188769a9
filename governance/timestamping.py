"""RFC 3161 timestamps: the client the seal uses (SEAL_TSA_URL), and a local timestamp
authority for the demo and the tests (pyHanko's own signer of timestamp tokens, served over
HTTP as any authority is). Production uses an authority of its choice."""

import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from asn1crypto import keys as asn1_keys
from asn1crypto import pem, tsp
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import ExtendedKeyUsageOID
from django.conf import settings
from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper
from pyhanko.sign.timestamps.requests_client import RequestsHTTPTimeStamper

from governance.certificates import self_signed

CONTENT_TYPE = "application/timestamp-reply"
MAX_REQUEST_BYTES = 64 * 1024


def timestamper() -> RequestsHTTPTimeStamper | None:
    """The configured authority's client; none when SEAL_TSA_URL is empty (demo without it)."""
    if not settings.SEAL_TSA_URL:
        return None
    return RequestsHTTPTimeStamper(settings.SEAL_TSA_URL, timeout=settings.SEAL_TSA_TIMEOUT)


class LocalTimestampAuthority:
    """A timestamp authority on this machine: its key and self-signed certificate are kept in
    `directory` (made on first use), its certificate in `tsa.pem` for SEAL_TSA_ROOTS_FILE."""

    def __init__(self, directory: Path):
        self.directory = Path(directory)
        self.certificate_file = self.directory / "tsa.pem"
        key_file = self.directory / "tsa-key.pem"
        if not (self.certificate_file.exists() and key_file.exists()):
            self.directory.mkdir(parents=True, exist_ok=True)
            key, certificate = self_signed(
                f"{settings.PLATFORM_NAME} — horodatage (démonstration)", ExtendedKeyUsageOID.TIME_STAMPING
            )
            key_file.write_bytes(
                key.private_bytes(
                    serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
                )
            )
            self.certificate_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
        key = serialization.load_pem_private_key(key_file.read_bytes(), password=None)
        _type, _headers, der_certificate = pem.unarmor(self.certificate_file.read_bytes())
        certificate = asn1_x509.Certificate.load(der_certificate)
        der_key = key.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        self.stamper = DummyTimeStamper(certificate, asn1_keys.PrivateKeyInfo.load(der_key))
        self.server: ThreadingHTTPServer | None = None

    def reply(self, request_body: bytes) -> bytes:
        return self.stamper.request_tsa_response(tsp.TimeStampReq.load(request_body)).dump()

    def serve(self, host: str = "127.0.0.1", port: int = 0) -> ThreadingHTTPServer:
        authority = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - the name http.server calls
                length = int(self.headers.get("Content-Length") or 0)
                if not 0 < length <= MAX_REQUEST_BYTES:
                    self.send_error(HTTPStatus.BAD_REQUEST, "Requête d'horodatage absente ou trop longue.")
                    return
                try:
                    body = authority.reply(self.rfile.read(length))
                except ValueError:
                    self.send_error(HTTPStatus.BAD_REQUEST, "Requête d'horodatage illisible.")
                    return
                self.send_response(HTTPStatus.OK)
                self.send_header("Content-Type", CONTENT_TYPE)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format, *args):  # noqa: A002 - http.server's signature
                return

        self.server = ThreadingHTTPServer((host, port), Handler)
        return self.server

    def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Serve in a background thread; return the authority's URL."""
        server = self.serve(host, port)
        threading.Thread(target=server.serve_forever, name="timestamp-authority", daemon=True).start()
        return f"http://{host}:{server.server_address[1]}/"

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
