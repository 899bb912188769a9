"""Rendering the documents of a convention from its snapshot. Each act has one source, its
HTML, from which both its PDF (WeasyPrint) and its editable DOCX (ctg.lib.office) are
written: the convention, and for each party that deliberates, the deliberation (its PDF with
the convention attached)."""

import hashlib
import io
import json
from datetime import date
from functools import cache
from pathlib import Path

from django.conf import settings
from django.template.loader import render_to_string
from django.utils.text import slugify
from pypdf import PdfReader, PdfWriter

import ctg.lib.office
import ctg.lib.pdf
import ctg.lib.typography
import ctg.templatetags.ctg_format
import governance.legal
import governance.snapshot
from ctg.lib.office import Properties, html_to_docx
from ctg.lib.pdf import html_to_pdf
from ctg.lib.typography import fr_date, french_sorted, keep_together
from ctg.lifecycle import Status
from governance import wording
from governance.legal import acronyms_in

TEMPLATES = Path(settings.BASE_DIR) / "templates" / "documents"
STATIC = Path(settings.BASE_DIR) / "static"
FROZEN_STATUSES = {s for s in Status.values if s not in (Status.DRAFT, Status.REVIEW)}
SWOT = [("force", "Forces"), ("faiblesse", "Faiblesses"), ("opportunite", "Opportunités"), ("menace", "Menaces")]
TARGET_PUBLICS = {
    "0-3": "petite enfance (0-3 ans)",
    "3-11": "enfance (3-11 ans)",
    "12-25": "jeunesse (12-25 ans)",
    "familles": "familles et parents",
    "seniors": "personnes âgées",
    "handicap": "personnes en situation de handicap",
    "fragiles": "publics fragiles",
    "gens-du-voyage": "gens du voyage",
    "professionnels": "professionnels et acteurs locaux",
    "tous": "tous les habitants",
}
STATUS_LABELS = {
    "a_lancer": "À lancer",
    "en_cours": "En cours",
    "realisee": "Réalisée",
    "reportee": "Reportée",
    "abandonnee": "Abandonnée",
}


# The code that writes the documents: a change to any of it renders the stored ones again.
LAYOUT_MODULES = (
    ctg.lib.office,
    ctg.lib.pdf,
    ctg.lib.typography,
    ctg.templatetags.ctg_format,
    governance.legal,
    governance.snapshot,
    wording,
)


@cache
def layout_fingerprint() -> str:
    """Changes whenever anything that shapes a document's bytes changes: its templates, the
    print style sheet and fonts, the Python that writes it (this module included), the
    versions of WeasyPrint and pandoc."""
    import weasyprint

    digest = hashlib.sha256(f"weasyprint {weasyprint.__version__} pandoc {ctg.lib.office.pandoc_version()}".encode())
    code = [Path(__file__), *(Path(module.__file__) for module in LAYOUT_MODULES), ctg.lib.office.PAGE_BREAKS_FILTER]
    for path in sorted(TEMPLATES.rglob("*")) + [STATIC / "css" / "print.css"] + sorted(code):
        if path.is_file():
            digest.update(path.name.encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def input_hash(snapshot: dict, kind: str, party_index: int | None = None) -> str:
    """What a document depends on: same hash, same bytes; the stored file is reused. A
    council's recorded decision changes its own deliberation document only."""
    text = {**snapshot, "parties": [{k: v for k, v in p.items() if k != "deliberation"} for p in snapshot["parties"]]}
    record = snapshot["parties"][party_index].get("deliberation") if party_index is not None else None
    payload = json.dumps([layout_fingerprint(), kind, party_index, record, text], sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(payload.encode()).hexdigest()


def is_draft(snapshot) -> bool:
    return snapshot["meta"]["status"] not in FROZEN_STATUSES


def _sheets(snapshot):
    """Every sheet with its number, axis and objective, in plan order."""
    for a, axis in enumerate(snapshot["axes"], start=1):
        for o, objective in enumerate(axis.get("objectives", []), start=1):
            for s, sheet in enumerate(objective.get("sheets", []), start=1):
                yield {
                    "number": f"{a}.{o}.{s}",
                    "axis": axis,
                    "axis_number": a,
                    "objective": objective,
                    "objective_number": f"{a}.{o}",
                    **sheet,
                }


def convention_context(snapshot: dict) -> dict:
    meta = snapshot["meta"]
    fields = meta["fields"]
    diagnostic = snapshot["diagnostic"]
    sections = []
    for code, name in fields.items():
        findings = [f for f in diagnostic.get("findings", []) if f["field"] == code]
        indicators = [i for i in diagnostic.get("indicators", []) if i.get("field") == code]
        if findings or indicators:
            sections.append(
                {
                    "name": name,
                    "swot": [(label, [f["text"] for f in findings if f["kind"] == kind]) for kind, label in SWOT],
                    "indicators": indicators,
                }
            )
    sheets = list(_sheets(snapshot))
    for sheet in sheets:
        sheet["field_names"] = [fields.get(code, code) for code in sheet.get("fields", [])]
        sheet["public_labels"] = [TARGET_PUBLICS.get(code, code) for code in sheet.get("target_publics", [])]
        sheet["status_label"] = STATUS_LABELS.get(sheet.get("status"), "")
        communes = {c["insee"]: c["name"] for c in meta["communes"]}
        sheet["commune_names"] = french_sorted(communes.get(code, code) for code in sheet.get("communes", []))
    covered = sorted(
        {field for sheet in sheets for field in sheet.get("fields", [])}
        | {f["field"] for f in diagnostic.get("findings", [])}
    )
    texts = [snapshot.get("summary"), diagnostic.get("summary"), diagnostic.get("previous_evaluation")]
    texts += [a["title"] for a in snapshot["axes"]] + [s["title"] for s in sheets]
    texts += [s.get(k) for s in sheets for k in ("context", "aims", "description", "other_partners")]
    texts += [o["title"] for a in snapshot["axes"] for o in a.get("objectives", [])]
    texts += [p["organisation"]["name"] for p in snapshot["parties"]]
    return {
        "doc": snapshot,
        "meta": meta,
        "draft": is_draft(snapshot),
        "start": fr_date(snapshot["period"]["start"]),
        "end": fr_date(snapshot["period"]["end"]),
        "years": int(snapshot["period"]["end"][:4]) - int(snapshot["period"]["start"][:4]) + 1,
        "parties": [
            {**party, "represented": wording.designate(party["details"]).agree("représenté")}
            for party in snapshot["parties"]
        ],
        "parties_sentence": wording.parties_sentence(snapshot["parties"]),
        "diagnostic": diagnostic,
        "general_indicators": [i for i in diagnostic.get("indicators", []) if not i.get("field")],
        "sections": sections,
        "needs": diagnostic.get("needs", []),
        "sheets": sheets,
        "covered_fields": [fields[code] for code in fields if code in covered],
        "acronyms": acronyms_in(texts + ["CTG", "CGCT", "CASF"]),
        "workshops": diagnostic.get("workshops", []),
        "signature_rows": [snapshot["parties"][i : i + 2] for i in range(0, len(snapshot["parties"]), 2)],
        "qr_svg": _qr(meta.get("public_url")),
    }


def _qr(url):
    """The QR code of the public page, as inline SVG (segno)."""
    if not url:
        return ""
    import segno
    from django.utils.safestring import mark_safe

    return mark_safe(segno.make(url, error="m").svg_inline(scale=3, dark="#1d4e6b"))  # noqa: S308 - segno's own SVG


def convention_html(snapshot: dict) -> str:
    return keep_together(render_to_string("documents/convention.html", convention_context(snapshot)))


def render_convention_pdf(snapshot: dict) -> bytes:
    return html_to_pdf(convention_html(snapshot))


def render_convention_docx(snapshot: dict) -> bytes:
    return html_to_docx(convention_html(snapshot), _properties(snapshot, snapshot["title"]), draft=is_draft(snapshot))


def _properties(snapshot: dict, title: str) -> Properties:
    period = f"{snapshot['period']['start'][:4]}-{snapshot['period']['end'][:4]}"
    return Properties(
        title=title,
        subject=f"Convention territoriale globale {period} {snapshot['meta']['territory_with_de']}",
        author=snapshot["caf"]["name"],
        keywords="convention territoriale globale, CTG, Caf",
    )


def deliberating_parties(snapshot: dict) -> list[tuple[int, dict]]:
    return [(index, party) for index, party in enumerate(snapshot["parties"]) if party.get("needs_deliberation")]


def deliberation_context(snapshot: dict, party_index: int) -> dict:
    context = convention_context(snapshot)
    party = snapshot["parties"][party_index]
    details = party["details"]
    insee = details.get("insee")
    if insee:
        concerned = [s for s in context["sheets"] if s.get("whole_territory", True) or insee in s.get("communes", [])]
    else:
        concerned = context["sheets"]
    caf = snapshot["caf"]["name"]
    period = f"{snapshot['period']['start'][:4]}-{snapshot['period']['end'][:4]}"
    if party.get("deliberation"):
        party = {**party, "deliberation": _dated(party["deliberation"])}
    context.update(
        party=party,
        details=details,
        concerned_sheets=concerned,
        caf_name=caf,
        objet=f"Approbation de la Convention territoriale globale {period} {context['meta']['territory_with_de']} "
        f"avec la {caf}",
        axes=snapshot["axes"],
    )
    return context


def deliberation_html(snapshot: dict, party_index: int) -> str:
    return keep_together(render_to_string("documents/deliberation.html", deliberation_context(snapshot, party_index)))


def render_deliberation_text_pdf(snapshot: dict, party_index: int) -> bytes:
    return html_to_pdf(deliberation_html(snapshot, party_index))


def attach(first: bytes, *annexes: bytes) -> bytes:
    """One PDF of several, in order (the deliberation, then the convention it approves)."""
    writer = PdfWriter()
    for part in (first, *annexes):
        writer.append(PdfReader(io.BytesIO(part)))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def render_deliberation_pdf(snapshot: dict, party_index: int, convention_pdf: bytes) -> bytes:
    """The extract, then the convention it approves; once the act is transmitted, every page
    of the annex carries its transmission stamp too, as @ctes returns it."""
    record = snapshot["parties"][party_index].get("deliberation") or {}
    annex = convention_pdf
    if record.get("act_id") and record.get("sent_to_prefecture"):
        annex = stamped(convention_pdf, record)
    return attach(render_deliberation_text_pdf(snapshot, party_index), annex)


DATE_FIELDS = {"convocation_date", "session_date", "sent_to_prefecture", "received_by_prefecture", "published_on"}


def stamped(pdf: bytes, record: dict) -> bytes:
    stamp = PdfReader(
        io.BytesIO(html_to_pdf(render_to_string("documents/stamp.html", {"record": _dated(record)})))
    ).pages[0]
    writer = PdfWriter()
    writer.append(PdfReader(io.BytesIO(pdf)))
    for page in writer.pages:
        page.merge_page(stamp)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _dated(record: dict) -> dict:
    """The record with its ISO dates as dates, for the templates' date filter."""
    return {
        name: date.fromisoformat(value) if name in DATE_FIELDS and value else value for name, value in record.items()
    }


def render_deliberation_docx(snapshot: dict, party_index: int) -> bytes:
    """The deliberation as councils amend it: the same text as its PDF (without the annexed
    convention, which has its own DOCX)."""
    context = deliberation_context(snapshot, party_index)
    title = f"Délibération du {context['details']['council']} — {context['details']['body']}"
    return html_to_docx(
        deliberation_html(snapshot, party_index),
        Properties(
            title=title, subject=context["objet"], author=context["details"]["name"], keywords="délibération, CTG"
        ),
        draft=is_draft(snapshot),
    )


def filename_slug(text: str) -> str:
    return slugify(text)[:60] or "document"
