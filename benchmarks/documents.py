"""Document budgets: a 60-page convention PDF in under 5 s; one commune's deliberation on
demand in under 10 s; the deliberation PDFs of the Plaine Limagne CTG (25 communes + the
EPCI) in under 30 s of worker time.

Run with `make bench-documents` (PostgreSQL and Redis started for the run)."""

import io
import os
import resource
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ctg.settings.demo")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from pypdf import PdfReader  # noqa: E402

from actions.services import duplicate_sheet  # noqa: E402
from demo.conventions import DEMO_DOCUMENTS  # noqa: E402
from governance import documents, exchange  # noqa: E402
from governance.generation import party_deliberation_document, produce_documents  # noqa: E402
from governance.models import Document  # noqa: E402
from governance.snapshot import convention_snapshot  # noqa: E402


def peak_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def document_rows() -> list[tuple[str, str, str, str, bool]]:
    """(measure, size, time, budget, met) of the convention PDF and of Plaine Limagne's
    deliberation documents, on the database as it is (geography loaded)."""
    path = next(p for p in DEMO_DOCUMENTS if "plaine-limagne" in p.name)
    plaine_limagne = exchange.import_convention(path.read_bytes())

    # A 60-page convention: the Plaine Limagne CTG with more action sheets.
    big = exchange.import_convention(path.read_bytes())
    sheets = list(big.sheets.all())
    for sheet in sheets[:18]:
        duplicate_sheet(sheet)
    snapshot = convention_snapshot(big)
    times, pages = [], 0
    for _ in range(3):
        started = time.perf_counter()
        pdf = documents.render_convention_pdf(snapshot)
        times.append(time.perf_counter() - started)
        pages = len(PdfReader(io.BytesIO(pdf)).pages)
    median = statistics.median(times)
    rows = [("PDF de la convention", f"{pages} pages", f"{median:.2f} s (médiane de 3)", "< 5 s", median < 5)]
    started = time.perf_counter()
    documents.render_convention_docx(snapshot)
    wall = time.perf_counter() - started
    rows.append(("DOCX de la convention (même texte)", "1 DOCX", f"{wall:.2f} s", "< 5 s", wall < 5))

    # One commune's act on demand, nothing stored yet (the convention PDF is rendered and kept),
    # then a second commune's (the convention PDF reused by content).
    communes = list(plaine_limagne.parties.filter(needs_deliberation=True, organisation__kind="commune")[:2])
    for label, party in (("stockage vide", communes[0]), ("convention déjà produite", communes[1])):
        started = time.perf_counter()
        party_deliberation_document(plaine_limagne, party, Document.Kind.DELIBERATION_PDF)
        wall = time.perf_counter() - started
        rows.append(
            (f"Délibération d'une commune à la demande ({label})", "1 PDF", f"{wall:.2f} s", "< 10 s", wall < 10)
        )

    Document.objects.filter(convention=plaine_limagne).delete()
    started_cpu, started = time.process_time(), time.perf_counter()
    produced = produce_documents(plaine_limagne)
    cpu, wall = time.process_time() - started_cpu, time.perf_counter() - started
    deliberations = sum(1 for d in produced if d.kind == Document.Kind.DELIBERATION_PDF)
    rows.append(
        (
            "Plaine Limagne : convention + délibérations",
            f"PDF et DOCX de la convention, {deliberations} PDF + {deliberations} DOCX",
            f"{wall:.1f} s (CPU {cpu:.1f} s)",
            "< 30 s",
            wall < 30,
        )
    )
    return rows


def main():
    call_command("migrate", verbosity=0)
    call_command("import_geography", verbosity=0)
    call_command("load_demo", stdout=io.StringIO())
    rows = [row[:4] for row in document_rows()]
    rows.append(("Peak memory of the process", "", f"{peak_mib():.0f} MiB", ""))
    width = [max(len(str(row[i])) for row in rows) for i in range(4)]
    print()
    for row in [("measure", "size", "time", "budget"), *rows]:
        print(" | ".join(str(cell).ljust(width[i]) for i, cell in enumerate(row)))


if __name__ == "__main__":
    main()
