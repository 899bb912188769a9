"""Rendering the documents of a convention from its snapshot. Each act has one source, its
HTML, from which both its PDF (WeasyPrint) and its editable DOCX (ctg.lib.office) are
written: the convention, and for each party that deliberates, the deliberation (its PDF with
the convention attached)."""

import hashlib
import io
import json
from collections import defaultdict
from datetime import date
from decimal import Decimal
from functools import cache
from pathlib import Path

import lxml.html
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
from ctg.lib.typography import fr_date, french_sorted, keep_together, lower_first
from ctg.lifecycle import Status
from diagnostics.services import diagnostic_groups
from governance import wording
from governance.legal import acronyms_in
from governance.models import Committee

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
# The articles of a convention, in order: (anchor, title).
ARTICLES = [
    ("objet", "Objet de la convention"),
    ("champs", "Les champs d'intervention"),
    ("diagnostic", "Le diagnostic partagé"),
    ("plan", "Les enjeux et le plan d'actions"),
    ("engagements", "Les engagements des parties"),
    ("financement", "Les engagements financiers"),
    ("gouvernance", "La gouvernance"),
    ("suivi", "Le suivi et l'évaluation"),
    ("donnees", "La protection des données personnelles"),
    ("duree", "La durée de la convention"),
    ("avenant", "La révision par avenant"),
    ("resiliation", "La résiliation"),
    ("litiges", "Les litiges"),
]
COMMITTEE_KINDS = {kind.value: kind.label.split(" (")[0] for kind in Committee.Kind}


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


def _sheets(axes):
    """Every sheet with its axis and objective, in plan order."""
    for axis in axes:
        for objective in axis["objectives"]:
            for sheet in objective["sheets"]:
                yield {**sheet, "axis": axis, "objective": objective}


def diagnostic_sections(snapshot) -> list[dict]:
    """The diagnostic's headings as the convention names them, each with its SWOT and figures."""
    diagnostic = snapshot["diagnostic"]
    groups = diagnostic_groups(
        [(section["title"], section["title"]) for section in diagnostic.get("sections", [])],
        snapshot["meta"]["fields"].items(),
        [("finding", f) for f in diagnostic.get("findings", [])]
        + [("indicator", i) for i in diagnostic.get("indicators", [])],
        section_of=lambda item: item[1].get("section"),
        field_of=lambda item: item[1].get("field"),
    )
    sections = []
    for group in groups:
        findings = [item for kind, item in group["items"] if kind == "finding"]
        sections.append(
            {
                "name": group["title"],
                "swot": [(label, [f["text"] for f in findings if f["kind"] == kind]) for kind, label in SWOT],
                "has_findings": bool(findings),
                "indicators": [item for kind, item in group["items"] if kind == "indicator"],
            }
        )
    return sections


def funding_table(sheets) -> dict | None:
    """The financial annex: each funder's planned amounts per year, from the sheets' funding
    lines, with the totals; None when no sheet has a funding plan."""
    lines = [line for sheet in sheets for line in sheet.get("funding", [])]
    if not lines:
        return None
    years = sorted({line.get("year") for line in lines}, key=lambda year: (year is None, year or 0))
    amounts = defaultdict(Decimal)
    for line in lines:
        amounts[(line["funder"], line.get("year"))] += Decimal(line["amount"])
    funders = french_sorted({line["funder"] for line in lines})
    rows = [
        {
            "funder": funder,
            "amounts": [amounts.get((funder, year)) for year in years],
            "total": sum((amounts.get((funder, year), 0) for year in years), Decimal(0)),
        }
        for funder in funders
    ]
    totals = [sum((amounts.get((funder, year), 0) for funder in funders), Decimal(0)) for year in years]
    return {"years": years, "rows": rows, "totals": totals, "total": sum(totals, Decimal(0))}


def commitment_groups(parties, territory_kind) -> list[dict]:
    """Article « Les engagements des parties »: what each signatory commits to; communes that
    commit to the same lines are named together (« Les communes de A, de B et de C »)."""
    groups = []
    communes = {}
    for party in parties:
        lines = wording.commitments(party, territory_kind)
        if party["details"].get("kind") == "commune" and territory_kind == "epci":
            key = tuple(lines)
            if key in communes:
                communes[key]["parties"].append(party)
                continue
            communes[key] = group = {"parties": [party], "lines": lines}
        else:
            group = {"parties": [party], "lines": lines}
        groups.append(group)
    for group in groups:
        if len(group["parties"]) == 1:
            group["who"] = wording.designate(group["parties"][0]["details"]).name
            group["verb"] = "s'engage"
        else:
            group["who"] = wording.communes_phrase([p["details"]["name"] for p in group["parties"]])
            group["verb"] = "s'engagent chacune"
    return groups


def convention_context(snapshot: dict) -> dict:
    meta = snapshot["meta"]
    fields = meta["fields"]
    diagnostic = snapshot["diagnostic"]
    axes = wording.plan(snapshot)
    sheets = list(_sheets(axes))
    communes = {c["insee"]: c["name"] for c in meta["communes"]}
    for sheet in sheets:
        sheet["field_names"] = [fields.get(code, code) for code in sheet.get("fields", [])]
        sheet["public_labels"] = [TARGET_PUBLICS.get(code, code) for code in sheet.get("target_publics", [])]
        sheet["commune_names"] = french_sorted(communes.get(code, code) for code in sheet.get("communes", []))
    section_fields = {s.get("field") for s in diagnostic.get("sections", [])}
    covered = (
        {field for sheet in sheets for field in sheet.get("fields", [])}
        | {f.get("field") for f in diagnostic.get("findings", [])}
        | section_fields
    )
    funding = funding_table(sheets)
    annexes = [("sheets", f"Les {plural_label(snapshot, 'sheet', 2)}")]
    if funding:
        annexes.append(("funding", "Le plan de financement"))
    annexes += [("communes", "Les communes du territoire"), ("acronyms", "Les sigles")]
    parties = snapshot["parties"]
    printed_parties = [
        {
            **party,
            "designation": wording.designate(party["details"]).name,
            "represented": wording.designate(party["details"]).agree("représenté"),
            "empowered": wording.Designation(
                "", wording.representative_feminine(party.get("representative_title"))
            ).agree("habilité"),
        }
        for party in parties
    ]
    objectives = [objective for axis in axes for objective in axis["objectives"]]
    return {
        "doc": snapshot,
        "meta": meta,
        "draft": is_draft(snapshot),
        "levels": wording.levels(snapshot),
        "start": fr_date(snapshot["period"]["start"]),
        "end": fr_date(snapshot["period"]["end"]),
        "years": int(snapshot["period"]["end"][:4]) - int(snapshot["period"]["start"][:4]) + 1,
        "parties": printed_parties,
        "parties_sentence": wording.parties_sentence(parties),
        "commitment_groups": commitment_groups(parties, meta["territory_kind"]),
        "diagnostic": diagnostic,
        "has_diagnostic": any(
            diagnostic.get(key)
            for key in ("summary", "findings", "indicators", "sections", "needs", "sources", "interviews", "workshops")
        ),
        "general_indicators": [
            i for i in diagnostic.get("indicators", []) if not i.get("field") and not i.get("section")
        ],
        "sections": diagnostic_sections(snapshot),
        "needs": diagnostic.get("needs", []),
        "axes": axes,
        "sheets": sheets,
        "plan_counts": wording.enumerate_fr(
            [
                wording.counted(len(axes), wording.levels(snapshot)["axis"]),
                wording.counted(len(objectives), wording.levels(snapshot)["objective"]),
                wording.counted(len(sheets), wording.levels(snapshot)["sheet"]),
            ]
        ),
        "every_sheet_has_pilot_and_indicators": bool(sheets)
        and all(sheet.get("pilot") and sheet.get("indicators") for sheet in sheets),
        "committees": [
            {**body, "label": body.get("name") or COMMITTEE_KINDS.get(body["kind"], body["kind"])}
            for body in snapshot.get("governance", [])
        ],
        "covered_fields": [name for code, name in fields.items() if code in covered],
        "funding": funding,
        "articles": [(f"art-{key}", f"Article {n} — {title}") for n, (key, title) in enumerate(ARTICLES, start=1)],
        "article": {key: f"Article {n} — {title}" for n, (key, title) in enumerate(ARTICLES, start=1)},
        "article_number": {key: n for n, (key, _title) in enumerate(ARTICLES, start=1)},
        "annexes": [(f"annexe-{key}", f"Annexe {n} — {title}") for n, (key, title) in enumerate(annexes, start=1)],
        "annex": {key: f"Annexe {n} — {title}" for n, (key, title) in enumerate(annexes, start=1)},
        "annex_number": {key: n for n, (key, _title) in enumerate(annexes, start=1)},
        "sheet_plural": plural_label(snapshot, "sheet", 2),
        "sheets_counted": wording.counted(len(sheets), wording.levels(snapshot)["sheet"]),
        "acronyms": [],
        "workshops": diagnostic.get("workshops", []),
        "signature_rows": [printed_parties[i : i + 2] for i in range(0, len(printed_parties), 2)],
        "qr_svg": _qr(meta.get("public_url")),
    }


def plural_label(snapshot, level: str, count: int) -> str:
    return wording.plural(wording.levels(snapshot)[level], count)


def _qr(url):
    """The QR code of the public page, as inline SVG (segno)."""
    if not url:
        return ""
    import segno
    from django.utils.safestring import mark_safe

    return mark_safe(segno.make(url, error="m").svg_inline(scale=3, dark="#1d4e6b"))  # noqa: S308 - segno's own SVG


def amendment(snapshot: dict) -> dict | None:
    """The avenant this text is, once a version was signed (governance.amendments); None for the
    convention itself."""
    found = snapshot["meta"].get("amendment")
    return found if isinstance(found, dict) else None


def avenant_context(snapshot: dict) -> dict:
    context = convention_context(snapshot)
    changed = amendment(snapshot)
    annexed = {title for group in changed["changes"] for title in group["sheets"]}
    context.update(amendment=changed, annexed_sheets=[s for s in context["sheets"] if s["title"] in annexed])
    return context


def convention_html(snapshot: dict) -> str:
    """The text the parties sign: the convention, or once a version was signed, the avenant to
    it. The convention's annex of acronyms lists those its text uses, found in a first rendering."""
    if amendment(snapshot):
        return keep_together(render_to_string("documents/avenant.html", avenant_context(snapshot)))
    context = convention_context(snapshot)
    first = render_to_string("documents/convention.html", context)
    context["acronyms"] = acronyms_in([printed_text(first)])
    return keep_together(render_to_string("documents/convention.html", context))


def printed_text(html: str) -> str:
    """The text a reader sees in a document's HTML (not its style nor its figures)."""
    tree = lxml.html.document_fromstring(html)
    for element in tree.xpath("//style | //svg | //title"):
        element.drop_tree()
    return tree.text_content()


def render_convention_pdf(snapshot: dict) -> bytes:
    return html_to_pdf(convention_html(snapshot))


def render_convention_docx(snapshot: dict) -> bytes:
    changed = amendment(snapshot)
    title = f"Avenant n° {changed['number']} — {snapshot['title']}" if changed else snapshot["title"]
    return html_to_docx(convention_html(snapshot), _properties(snapshot, title), draft=is_draft(snapshot))


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
    caf = wording.designate({"kind": "caf", "name": snapshot["caf"]["name"]}).name
    if party.get("deliberation"):
        party = {**party, "deliberation": _dated(party["deliberation"])}
    changed = amendment(snapshot)
    names = context["levels"]
    for axis in context["axes"]:
        axis["objectives_counted"] = wording.counted(len(axis["objectives"]), names["objective"])
    context.update(
        party=party,
        details=details,
        concerned_sheets=concerned,
        concerned_counted=wording.counted(len(concerned), names["sheet"]),
        caf_designation=caf,
        objet=act_objet(snapshot),
        amendment=changed,
        axes_counted=wording.counted(len(context["axes"]), names["axis"]),
        covered_fields_sentence=wording.enumerate_fr([f"« {name} »" for name in context["covered_fields"]]),
    )
    return context


def act_objet(snapshot: dict) -> str:
    """The objet of every party's deliberation on this text: printed on the act, sent to the
    préfecture, published in open data."""
    changed = amendment(snapshot)
    if changed:
        return f"Approbation de l'avenant n° {changed['number']} à la {lower_first(changed['base_title'])}"
    caf = wording.designate({"kind": "caf", "name": snapshot["caf"]["name"]}).name
    period = f"{snapshot['period']['start'][:4]}-{snapshot['period']['end'][:4]}"
    return (
        f"Approbation de la Convention territoriale globale {period} {snapshot['meta']['territory_with_de']} avec {caf}"
    )


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
