"""Reading back what the platform prints: the text of a PDF and of a DOCX, and the check that
a DOCX carries the same text as the PDF written from the same source."""

import io
import json
import re
import unicodedata

import docx
import lxml.html
from django.conf import settings
from frictionless import Dialect, Resource, Schema, formats, validate
from pypdf import PdfReader

# What a printed page adds around the text: the running header (the document's title, the
# section), the footer (« Page n / N », the version) and, on a draft, the watermark.
FOOTER = re.compile(r"(Projet — version de travail|Version figée)? ?Page \d+ / \d+")


def pdf_pages(content: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(content)).pages]


def docx_document(content: bytes):
    return docx.Document(io.BytesIO(content))


def docx_text(content: bytes) -> str:
    """The DOCX's body in reading order, tables included (a merged cell once)."""
    lines = []
    for block in docx_document(content).iter_inner_content():
        if isinstance(block, docx.table.Table):
            for row in block.rows:
                seen = []
                for cell in row.cells:
                    if cell._tc not in seen:
                        seen.append(cell._tc)
                        lines.append(cell.text)
        else:
            lines.append(block.text)
    return "\n".join(lines)


def letters(text: str) -> str:
    """Only the letters, lower case: what neither line breaking, hyphenation, spacing nor page
    numbers change."""
    return "".join(c for c in unicodedata.normalize("NFKC", text).lower() if c.isalpha())


def drawn_texts(html: str) -> list[str]:
    """The words drawn inside a document's figures (SVG charts): the PDF shows them, the DOCX
    gives the same figures in tables."""
    figures = lxml.html.fromstring(html).xpath("//*[local-name()='svg']")
    return ["".join(text.text_content() for text in svg.xpath(".//*[local-name()='text']")) for svg in figures]


def assert_same_text(pdf: bytes, docx_content: bytes, furniture=(), drawn=()):
    """The DOCX says what the PDF says, word for word and in the same order, once each printed
    page is stripped of its running header, footer and watermark (and of `drawn`, the words of
    its figures)."""
    document = docx_document(docx_content)
    titles = [p.text for p in document.paragraphs if p.style.name in ("Title", "Heading 1")]
    sections = [p.text for p in document.paragraphs if p.style.name == "Heading 2"]
    running_headers = sorted(
        {letters(t) + letters(h) for t in ("", document.core_properties.title, *titles) for h in ("", *sections)}
        | {letters(f) for f in furniture} - {""},
        key=len,
        reverse=True,
    )
    # A table that runs over a page break prints its header row again at the top of the next.
    table_headers = {letters(" ".join(c.text for c in t.rows[0].cells)) for t in document.tables if t.rows} - {""}
    written = letters(docx_text(docx_content))
    printed = ""
    for number, page in enumerate(pdf_pages(pdf), start=1):
        lines = page.splitlines()
        while lines and letters(lines[0]) in ("", "projet"):
            lines.pop(0)  # the watermark, drawn first
        while lines and (not letters(lines[-1]) or FOOTER.fullmatch(lines[-1].strip())):
            lines.pop()  # the footer, drawn last
        text = letters("".join(lines))
        if number > 1:  # the running header, drawn before the footer
            text = text.removesuffix(next((h for h in running_headers if text.endswith(h)), ""))
        figures = [letters(figure) for figure in drawn]
        while suffix := next((f for f in figures if f and text.endswith(f)), None):
            text = text.removesuffix(suffix)  # figures' words come after the page's text
            figures.remove(suffix)
        repeated = next(
            (h for h in table_headers if text.startswith(h) and not written.startswith(h, len(printed))), ""
        )
        printed += text.removeprefix(repeated)
    if printed != written:
        at = next(
            (i for i, (a, b) in enumerate(zip(printed, written, strict=False)) if a != b),
            min(len(printed), len(written)),
        )
        raise AssertionError(
            f"Le DOCX diverge du PDF à la lettre {at} :\nPDF  …{printed[max(0, at - 80) : at + 80]}…\n"
            f"DOCX …{written[max(0, at - 80) : at + 80]}…"
        )


SCDL_SCHEMA = settings.BASE_DIR / "governance" / "schemas" / "scdl-deliberations-2.1.5.schema.json"


def scdl_report(content: bytes):
    """The frictionless validation report of an SCDL « Délibérations » CSV (semicolons, UTF-8)
    against the schema's TableSchema kept in the repository."""
    schema = Schema.from_descriptor(json.loads(SCDL_SCHEMA.read_text()))
    dialect = Dialect(controls=[formats.CsvControl(delimiter=";")])
    return validate(Resource(data=content, format="csv", encoding="utf-8", schema=schema, dialect=dialect))
