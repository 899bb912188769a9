"""The deliberation as an editable Word document (python-docx): councils amend the wording."""

import io

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Pt

from ctg.lib.typography import fr_date, french

BLANK = "……………………"


def _value(record, name):
    value = (record or {}).get(name)
    return BLANK if value in (None, "") else str(value)


def _upper_first(text: str) -> str:
    return text[:1].upper() + text[1:]


def build_docx(context: dict) -> bytes:
    details, party, meta = context["details"], context["party"], context["meta"]
    record = party.get("deliberation") or {}
    document = Document()
    style = document.styles["Normal"]
    style.font.name = "Liberation Serif"
    style.font.size = Pt(11)

    def paragraph(text, bold=False, center=False, size=None):
        p = document.add_paragraph()
        run = p.add_run(french(text))
        run.bold = bold
        if size:
            run.font.size = Pt(size)
        if center:
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        return p

    if details["kind"] == "commune" and meta.get("departement"):
        paragraph(f"République française — Département {meta['departement']['with_de']}", center=True)
    header = details["body"][:1].upper() + details["body"][1:]
    paragraph(f"{header}" + (f" — SIREN {details['siren']}" if details.get("siren") else ""), bold=True, center=True)
    paragraph(f"EXTRAIT DU REGISTRE DES DÉLIBÉRATIONS DU {details['council'].upper()}", bold=True, center=True, size=13)

    session = fr_date(record["session_date"]) if record.get("session_date") else BLANK
    paragraph(
        f"Séance du {session}. Le {details['council']}, régulièrement convoqué, s'est réuni au lieu habituel de ses "
        f"séances, sous la présidence {details['presided_by']}."
    )
    table = document.add_table(rows=2, cols=4)
    table.style = "Table Grid"
    cells = [
        ("Conseillers en exercice", _value(record, "in_office")),
        ("Présents", _value(record, "present")),
        ("Représentés", _value(record, "represented")),
        ("Votants", _value(record, "voting")),
    ]
    for index, (label, value) in enumerate(cells):
        row = table.rows[index // 2]
        row.cells[(index % 2) * 2].text = label
        row.cells[(index % 2) * 2 + 1].text = value
    paragraph(f"Secrétaire de séance : {_value(record, 'secretary')}")

    document.add_heading(french(f"Objet : {context['objet']}"), level=2)
    document.add_heading("Exposé des motifs", level=3)
    paragraph(
        f"{_upper_first(details['executive'])} expose au {details['council']} que la convention territoriale "
        f"globale (CTG) est une convention-cadre conclue avec la {context['caf_name']} pour élaborer et mettre "
        "en œuvre un projet social de territoire partagé."
    )
    paragraph(
        f"La convention proposée couvre le territoire {meta['territory_with_de']} pour la période du {context['start']} "
        f"au {context['end']}. Elle s'organise autour de {len(context['axes'])} axes :"
    )
    for axis in context["axes"]:
        document.add_paragraph(french(axis["title"]), style="List Bullet")
    if details["kind"] == "commune":
        paragraph(f"Fiches action qui concernent la commune ({len(context['concerned_sheets'])}) :")
        for sheet in context["concerned_sheets"]:
            document.add_paragraph(french(f"{sheet['number']} — {sheet['title']}"), style="List Bullet")

    document.add_heading(f"Le {details['council']},", level=3)
    if details["kind"] == "epci":
        visas = [
            "Vu le code général des collectivités territoriales, et notamment ses articles "
            f"{details['article_visa']} et {details['competence_article']} ;",
            f"Vu les statuts de la {details['body']} et les compétences qu'elle exerce ;",
        ]
    else:
        visas = [
            f"Vu le code général des collectivités territoriales, et notamment son article {details['article_visa']} ;"
        ]
    for line in (
        *visas,
        "Vu la circulaire Cnaf n° 2020-01 du 16 janvier 2020 relative au déploiement des conventions territoriales globales ;",
        f"Vu le projet de convention territoriale globale {meta['territory_with_de']} annexé à la présente délibération ;",
        "Considérant l'intérêt, pour les familles et les habitants du territoire, d'un projet social de territoire partagé ;",
        "Après en avoir délibéré,",
    ):
        paragraph(line)
    paragraph(
        f"Article 1er — Approuve la convention territoriale globale {meta['territory_with_de']} pour la période du "
        f"{context['start']} au {context['end']}, annexée à la présente délibération."
    )
    paragraph(f"Article 2 — Autorise {details['executive']} à signer cette convention et tout document s'y rapportant.")
    paragraph(
        f"Votes : pour {_value(record, 'votes_for')}, contre {_value(record, 'votes_against')}, "
        f"abstentions {_value(record, 'abstentions')}."
    )
    paragraph("Fait et délibéré les jour, mois et an susdits. Pour extrait certifié conforme.")
    presiding = (record or {}).get("presiding_title") or _upper_first(details["executive"])
    secretary = (record or {}).get("secretary_heading") or "Le ou la secrétaire de séance"
    paragraph(f"{presiding}                                        {secretary}")
    paragraph(
        "La présente délibération peut faire l'objet, dans un délai de deux mois, d'un recours gracieux auprès "
        f"{details['presided_by']} (ce recours interrompt le délai du recours contentieux) ou d'un recours pour excès de "
        f"pouvoir devant {meta['tribunal']}. Le délai court, pour les tiers, à compter de sa publication. Le tribunal "
        "administratif peut être saisi par l'application « Télérecours citoyens » accessible sur le site "
        "citoyens.telerecours.fr.",
        size=9,
    )
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
