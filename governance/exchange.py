"""A whole convention as one JSON document (schema: governance/schemas/convention-v2.schema.json,
documented in docs/convention-json.md; documents of version 1 are still read): export, and an
import that validates everything first, reports every error with the path of the bad field,
then saves all or nothing.

Territory, CAF and parties are matched by SIREN / INSEE code (by name for the organisations
that have no SIREN on the platform)."""

import contextlib
import difflib
import json
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import cache
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from jsonschema import Draft202012Validator
from simple_history.utils import bulk_create_with_history

from actions.models import (
    ActionSheet,
    BudgetLine,
    EvaluationIndicator,
    FundingLine,
    IndicatorMeasure,
    Step,
)
from actions.services import add_axis, add_objective
from ctg.lib.typography import french_sorted
from ctg.models import Convention, validate_period
from diagnostics.models import DiagnosticSection, Finding, Indicator, InterventionField, Need, Workshop
from governance.models import PARTY_FIELDS, Committee, document_order
from governance.services import create_convention, invite_party, needing_invitation, set_parties
from territories import services as territory_services
from territories.models import EPCI, Commune, Organisation
from territories.text import search_key

SCHEMAS = Path(__file__).parent / "schemas"
VERSION = 2
SCHEMA_PATH = SCHEMAS / f"convention-v{VERSION}.schema.json"
MAX_DOCUMENT_BYTES = 10 * 1024 * 1024


@cache
def schema_validator(version: int = VERSION) -> Draft202012Validator:
    """The validator of a version of the format (1: before conventions named their own
    structure; 2: the present one)."""
    path = SCHEMAS / f"convention-v{version if version in (1, 2) else VERSION}.schema.json"
    return Draft202012Validator(json.loads(path.read_text(encoding="utf-8")))


# --- Export ------------------------------------------------------------------------------


def _decimal(value: Decimal | None) -> str | None:
    """1234.50 → "1234.5", 100.00 → "100": the shortest exact writing."""
    return None if value is None else format(value.normalize(), "f")


def _date(value: date | None) -> str | None:
    return value.isoformat() if value else None


def organisation_ref(organisation: Organisation) -> dict:
    ref = {"kind": organisation.kind, "name": organisation.name, "siren": organisation.siren or None}
    if organisation.commune_id:
        ref["insee"] = organisation.commune.code
    return ref


def export_convention(convention: Convention) -> dict:
    convention = (
        Convention.objects.select_related("epci", "commune", "caf", "previous", "diagnostic")
        .prefetch_related(
            "parties__organisation__commune",
            "workshops",
            "indicators__field",
            "indicators__section",
            "findings__field",
            "findings__section",
            "diagnostic_sections__field",
            "committees",
            "needs__field",
            "axes__objectives__sheets__fields",
            "axes__objectives__sheets__communes",
            "axes__objectives__sheets__partners__commune",
            "axes__objectives__sheets__pilot__commune",
            "axes__objectives__sheets__steps",
            "axes__objectives__sheets__budget_lines",
            "axes__objectives__sheets__funding_lines",
            "axes__objectives__sheets__evaluation_indicators__measures",
        )
        .get(pk=convention.pk)
    )
    if convention.epci_id:
        territory = {"type": "epci", "siren": convention.epci.siren, "name": convention.epci.name}
    else:
        territory = {"type": "commune", "insee": convention.commune.code, "name": convention.commune.name}
    diagnostic = convention.diagnostic
    return {
        "format": "ctg-convention",
        "version": VERSION,
        "title": convention.title,
        "subtitle": convention.subtitle,
        "summary": convention.summary,
        "website": convention.website,
        "levels": {
            "axis": convention.axis_label,
            "objective": convention.objective_label,
            "sheet": convention.sheet_label,
        },
        "territory": territory,
        "caf": organisation_ref(convention.caf),
        "period": {"start": _date(convention.start_date), "end": _date(convention.end_date)},
        "previous": convention.previous.title if convention.previous_id else (convention.previous_reference or None),
        "parties": [
            {
                "organisation": organisation_ref(party.organisation),
                "representative_name": party.representative_name,
                "representative_title": party.representative_title,
                "needs_deliberation": party.needs_deliberation,
                "signing_group": party.signing_group,
                "position": party.position,
                "commitments": party.commitments,
            }
            for party in document_order(convention.parties.all())
        ],
        "diagnostic": {
            "summary": diagnostic.summary,
            "interviews": diagnostic.interviews,
            "interviews_count": diagnostic.interviews_count,
            "survey_description": diagnostic.survey_description,
            "survey_answers": diagnostic.survey_answers,
            "sources": diagnostic.sources,
            "previous_evaluation": diagnostic.previous_evaluation,
            "consultant": diagnostic.consultant,
            "sections": [
                {"title": section.title, "field": section.field.code if section.field_id else None}
                for section in convention.diagnostic_sections.all()
            ],
            "workshops": [
                {"title": w.title, "date": _date(w.date), "participants": w.participants}
                for w in convention.workshops.all()
            ],
            "indicators": [
                {
                    "label": i.label,
                    "section": i.section.title if i.section_id else None,
                    "field": i.field.code if i.field_id else None,
                    "value": _decimal(i.value),
                    "unit": i.unit,
                    "year": i.year,
                    "source": i.source,
                    "departement_value": _decimal(i.departement_value),
                    "france_value": _decimal(i.france_value),
                }
                for i in convention.indicators.all()
            ],
            "findings": [
                {
                    "section": f.section.title if f.section_id else None,
                    "field": f.field.code if f.field_id else None,
                    "kind": f.kind,
                    "text": f.text,
                }
                for f in convention.findings.all()
            ],
            "needs": [
                {
                    "title": n.title,
                    "field": n.field.code if n.field_id else None,
                    "priority": n.priority,
                    "description": n.description,
                }
                for n in convention.needs.all()
            ],
        },
        "governance": [
            {
                "kind": committee.kind,
                "name": committee.name,
                "composition": committee.composition,
                "members": committee.members,
                "rhythm": committee.rhythm,
                "role": committee.role,
            }
            for committee in convention.committees.all()
        ],
        "axes": [
            {
                "title": axis.title,
                "code": axis.code,
                "description": axis.description,
                "objectives": [
                    {
                        "title": objective.title,
                        "code": objective.code,
                        "description": objective.description,
                        "sheets": [export_sheet(sheet) for sheet in objective.sheets.all()],
                    }
                    for objective in axis.objectives.all()
                ],
            }
            for axis in convention.axes.all()
        ],
    }


def export_sheet(sheet: ActionSheet) -> dict:
    return {
        "title": sheet.title,
        "code": sheet.code,
        "fields": sorted(f.code for f in sheet.fields.all()),
        "context": sheet.context,
        "aims": sheet.aims,
        "description": sheet.description,
        "target_publics": list(sheet.target_publics),
        "whole_territory": sheet.whole_territory,
        "communes": sorted(c.code for c in sheet.communes.all()),
        "pilot": organisation_ref(sheet.pilot) if sheet.pilot_id else None,
        "pilot_contact": sheet.pilot_contact,
        "elected_referent": sheet.elected_referent,
        "partners": french_sorted((organisation_ref(p) for p in sheet.partners.all()), key=lambda ref: ref["name"]),
        "other_partners": sheet.other_partners,
        "start_date": _date(sheet.start_date),
        "end_date": _date(sheet.end_date),
        "status": sheet.status,
        "progress": sheet.progress,
        "links": sheet.links,
        "steps": [
            {
                "title": s.title,
                "start_date": _date(s.start_date),
                "end_date": _date(s.end_date),
                "done": s.done,
            }
            for s in sheet.steps.all()
        ],
        "budget": [
            {
                "year": b.year,
                "kind": b.kind,
                "unit": b.unit,
                "planned": _decimal(b.planned),
                "spent": _decimal(b.spent),
            }
            for b in sheet.budget_lines.all()
        ],
        "funding": [
            {"funder": f.funder, "amount": _decimal(f.amount), "year": f.year, "status": f.status}
            for f in sheet.funding_lines.all()
        ],
        "indicators": [
            {
                "label": i.label,
                "unit": i.unit,
                "baseline": _decimal(i.baseline),
                "target": _decimal(i.target),
                "measures": [{"year": m.year, "value": _decimal(m.value)} for m in i.measures.all()],
            }
            for i in sheet.evaluation_indicators.all()
        ],
    }


def dumps(document: dict) -> str:
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


# --- Import ------------------------------------------------------------------------------


class ImportErrors(Exception):
    """Every problem of a document, as (path, French message) pairs."""

    def __init__(self, errors: list[tuple[str, str]]):
        super().__init__(f"{len(errors)} erreur(s)")
        self.errors = errors


def _path(parts) -> str:
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(document)"


SCHEMA_MESSAGES = {
    "required": "champ obligatoire manquant",
    "additionalProperties": "champ inconnu",
    "type": "type de valeur incorrect",
    "pattern": "format incorrect",
    "enum": "valeur non autorisée",
    "const": "valeur non autorisée",
    "minLength": "texte vide",
    "maxLength": "texte trop long",
    "minimum": "valeur trop petite",
    "maximum": "valeur trop grande",
    "maxItems": "trop d'éléments",
    "minItems": "liste vide",
    "oneOf": "valeur qui ne correspond à aucune forme admise",
}


# The decoder's messages (its own wording, `\uXXXX` included), in French.
JSON_SYNTAX = {
    "Expecting value": "valeur attendue",
    "Expecting property name enclosed in double quotes": "nom de champ entre guillemets droits attendu",
    "Expecting ',' delimiter": "virgule attendue",
    "Expecting ':' delimiter": "deux-points attendus",
    "Unterminated string": "texte non terminé",
    "Invalid control character": "caractère de contrôle interdit dans un texte",
    "Invalid \\escape": "échappement invalide",
    "Invalid \\uXXXX escape": "échappement unicode invalide",
    "Extra data": "données en trop après la fin du document",
}


# What a pattern of the schema expects, in words.
PATTERN_HINTS = {
    "^[0-9]{9}$": "9 chiffres (SIREN)",
    "^[0-9][0-9AB][0-9]{3}$": "un code INSEE de commune, 5 caractères (« 63240 », « 2A004 »)",
    "^[0-9]{4}-[0-9]{2}-[0-9]{2}$": "une date AAAA-MM-JJ",
    "^-?[0-9]{1,12}(\\.[0-9]{1,2})?$": "un nombre en texte, point décimal, 2 décimales au plus (« 1250.50 »)",
}
TYPE_NAMES = {
    "string": "un texte",
    "integer": "un nombre entier",
    "number": "un nombre",
    "boolean": "true ou false",
    "array": "une liste",
    "object": "un objet",
    "null": "null",
}


def _shown(value) -> str:
    return json.dumps(value, ensure_ascii=False)[:80]


def _schema_error(error) -> tuple[str, str]:
    """(path, French message) of one schema error: what is wrong and what is allowed."""
    if error.validator == "oneOf" and error.context:
        # Among the forms a value may take, the one it nearly has says what is wrong: its
        # error lies deepest in the value (a bad « name » inside an organisation, rather than
        # « not null »).
        return _schema_error(max(error.context, key=lambda e: (len(e.absolute_path), e.validator != "type")))
    message = SCHEMA_MESSAGES.get(error.validator, "valeur incorrecte")
    path = list(error.absolute_path)
    if error.validator == "required":
        missing = error.message.split("'")[1] if "'" in error.message else ""
        return _path([*path, missing]), message
    if error.validator == "additionalProperties":
        allowed = list(error.schema.get("properties", {}))
        unexpected = [name for name in error.instance if name not in allowed]
        return (
            _path(path),
            f"{message} : {', '.join(map(_shown, unexpected))} (champs admis : {', '.join(map(_shown, allowed))})",
        )
    if error.validator in ("enum", "const"):
        allowed = error.validator_value if error.validator == "enum" else [error.validator_value]
        return _path(
            path
        ), f"{message} : {_shown(error.instance)} (valeurs admises : {', '.join(map(_shown, allowed))})"
    if error.validator == "type":
        expected = error.validator_value if isinstance(error.validator_value, list) else [error.validator_value]
        words = " ou ".join(TYPE_NAMES.get(name, name) for name in expected)
        return _path(path), f"{message} : {_shown(error.instance)} (attendu : {words})"
    if error.validator == "pattern":
        hint = PATTERN_HINTS.get(error.validator_value)
        return _path(path), f"{message} : {_shown(error.instance)}" + (f" (attendu : {hint})" if hint else "")
    if error.validator in ("minimum", "maximum", "maxLength", "maxItems"):
        return _path(path), f"{message} : {_shown(error.instance)} (limite : {error.validator_value})"
    return _path(path), f"{message} : {_shown(error.instance)}"


def parse(raw: bytes | str) -> dict:
    """Decode and schema-check a document; raise ImportErrors listing every problem."""
    if isinstance(raw, bytes):
        if len(raw) > MAX_DOCUMENT_BYTES:
            raise ImportErrors([("(document)", "Le fichier dépasse 10 Mo.")])
        try:
            raw = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ImportErrors([("(document)", "Le fichier n'est pas du texte UTF-8.")]) from None
    try:
        document = json.loads(raw)
    except json.JSONDecodeError as error:
        reason = next((french for english, french in JSON_SYNTAX.items() if error.msg.startswith(english)), None)
        raise ImportErrors(
            [
                (
                    "(document)",
                    f"JSON invalide ligne {error.lineno}, colonne {error.colno} : {reason or 'syntaxe incorrecte'}.",
                )
            ]
        ) from None
    except RecursionError:
        raise ImportErrors([("(document)", "Le document est imbriqué trop profondément.")]) from None
    if not isinstance(document, dict):
        raise ImportErrors([("(document)", "Le document doit être un objet JSON.")])
    errors = [
        _schema_error(error)
        for error in sorted(
            schema_validator(document.get("version")).iter_errors(document),
            key=lambda e: list(map(str, e.absolute_path)),
        )
    ]
    if errors:
        raise ImportErrors(errors)
    return document


@dataclass
class Resolution:
    """What the document's references point to on the platform, found before anything is saved."""

    errors: list = field(default_factory=list)
    epci: EPCI | None = None
    commune: Commune | None = None
    caf: Organisation | None = None
    organisations: dict = field(default_factory=dict)  # json ref key -> Organisation or a creation recipe
    fields: dict = field(default_factory=dict)
    territory_communes: dict = field(default_factory=dict)
    departement_ids: set = field(default_factory=set)


def _ref_key(ref: dict) -> tuple:
    return (ref.get("kind"), ref.get("siren") or None, ref.get("insee") or None, ref["name"])


def _close_match(name: str, candidates: list[str]) -> str:
    """« ; voulez-vous dire 'Caf de la Vienne' ? » when a known name is close."""
    keys = {search_key(candidate): candidate for candidate in candidates}
    found = difflib.get_close_matches(search_key(name), list(keys), n=1, cutoff=0.75)
    return f" ; voulez-vous dire {keys[found[0]]!r} ?" if found else ""


def _find_caf(ref: dict, resolution: Resolution):
    cafs = list(Organisation.objects.cafs().filter(is_active=True))
    found = None
    if ref.get("siren"):
        found = next((caf for caf in cafs if caf.siren == ref["siren"]), None)
    found = found or next((caf for caf in cafs if search_key(caf.name) == search_key(ref["name"])), None)
    if found is None:
        resolution.errors.append(
            ("caf.name", f"Caf inconnue : {ref['name']!r}{_close_match(ref['name'], [caf.name for caf in cafs])}")
        )
    return found


def _names_agree(given: str, *known: str) -> bool:
    """« Commune de Montpensier », « Mairie de Montpensier » and « MONTPENSIER » all name Montpensier."""
    given_key = search_key(given)
    return any(given_key == search_key(name) or given_key.endswith(" " + search_key(name)) for name in known if name)


def _find_organisation(ref: dict, path: str, resolution: Resolution):
    """The party a reference names, if it may be one: a commune or the EPCI of the territory
    (checked by code, SIREN and name together), the document's CAF, or a partner known in the
    territory's départements (a partner the platform does not know yet is created)."""
    kind = ref.get("kind")
    if ref.get("insee") or kind == Organisation.Kind.COMMUNE:
        return _find_commune(ref, path, resolution)
    if kind == Organisation.Kind.EPCI:
        return _find_epci(ref, path, resolution)
    if (
        kind == Organisation.Kind.CAF
        and resolution.caf
        and (
            ref.get("siren") == resolution.caf.siren
            and ref.get("siren")
            or _names_agree(ref["name"], resolution.caf.name)
        )
    ):
        return resolution.caf
    same_kind = Organisation.objects.filter(kind=kind or Organisation.Kind.PARTNER).prefetch_related("departements")
    candidates = list(same_kind.filter(siren=ref["siren"])) if ref.get("siren") else []
    candidates = candidates or list(same_kind.filter(name__iexact=ref["name"].strip()))
    local = [o for o in candidates if _covers(o, resolution.departement_ids)]
    if local:
        found = local[0]
        if not found.is_active:
            resolution.errors.append(
                (path, f"{found.name} est désactivée sur la plateforme : elle ne peut pas être partie")
            )
            return None
        return found
    if candidates:
        elsewhere = ", ".join(sorted({d.code for o in candidates for d in o.departements.all()}))
        resolution.errors.append(
            (
                path,
                f"{candidates[0].name} intervient hors du territoire de la convention (département(s) {elsewhere}) : "
                "elle ne peut pas en être partie",
            )
        )
        return None
    if kind == Organisation.Kind.CAF:
        resolution.errors.append(
            (path, f"une autre Caf que celle qui porte la convention ne peut pas être partie : {ref['name']!r}")
        )
        return None
    # A partner the platform does not know yet (an association, an MSA…) is created.
    return (
        "new",
        {"kind": kind or Organisation.Kind.PARTNER, "name": ref["name"].strip(), "siren": ref.get("siren") or ""},
    )


def _covers(organisation: Organisation, departement_ids: set) -> bool:
    covered = {d.pk for d in organisation.departements.all()}
    return not covered or bool(covered & departement_ids)


def _find_commune(ref: dict, path: str, resolution: Resolution):
    commune = Commune.objects.filter(code=ref.get("insee") or "").first()
    if commune is None:
        resolution.errors.append((f"{path}.insee", f"commune introuvable (code INSEE {ref.get('insee')!r})"))
        return None
    if resolution.territory_communes and commune.code not in resolution.territory_communes:
        resolution.errors.append(
            (f"{path}.insee", f"{commune.name} ({commune.code}) n'est pas dans le territoire de la convention")
        )
        return None
    organisation = Organisation.objects.filter(commune=commune).first()
    if not _names_agree(ref["name"], commune.name, organisation.name if organisation else ""):
        resolution.errors.append(
            (f"{path}.name", f"le code INSEE {commune.code} est celui de {commune.name}, pas de {ref['name']!r}")
        )
        return None
    if ref.get("siren") and commune.siren and ref["siren"] != commune.siren:
        resolution.errors.append(
            (f"{path}.siren", f"le SIREN de {commune.name} est {commune.siren}, pas {ref['siren']}")
        )
        return None
    return ("commune", commune)


def _find_epci(ref: dict, path: str, resolution: Resolution):
    epci = EPCI.objects.filter(siren=ref.get("siren") or "").first()
    if epci is None:
        resolution.errors.append((f"{path}.siren", f"EPCI introuvable (SIREN {ref.get('siren')!r})"))
        return None
    if not _names_agree(ref["name"], epci.name):
        resolution.errors.append(
            (f"{path}.name", f"le SIREN {epci.siren} est celui de {epci.name}, pas de {ref['name']!r}")
        )
        return None
    if resolution.epci is not None and epci.pk != resolution.epci.pk or resolution.commune is not None:
        resolution.errors.append((path, f"{epci.name} n'est pas l'intercommunalité du territoire de la convention"))
        return None
    return ("epci", epci)


def resolve(document: dict) -> Resolution:
    resolution = Resolution()
    territory = document["territory"]
    if territory["type"] == "epci":
        resolution.epci = EPCI.objects.filter(siren=territory["siren"]).first()
        if resolution.epci is None:
            resolution.errors.append(("territory.siren", f"aucun EPCI n'a le SIREN {territory['siren']}"))
        else:
            resolution.territory_communes = {c.code: c for c in resolution.epci.communes.all()}
            resolution.departement_ids = {c.departement_id for c in resolution.territory_communes.values()} - {None}
    else:
        resolution.commune = Commune.objects.filter(code=territory["insee"]).first()
        if resolution.commune is None:
            resolution.errors.append(("territory.insee", f"aucune commune n'a le code INSEE {territory['insee']}"))
        else:
            resolution.territory_communes = {resolution.commune.code: resolution.commune}
            resolution.departement_ids = {resolution.commune.departement_id} - {None}

    resolution.caf = _find_caf(document["caf"], resolution)

    if resolution.caf and (resolution.epci or resolution.commune):
        try:
            Convention(
                caf=resolution.caf, epci=resolution.epci, commune=resolution.commune
            ).check_caf_covers_territory()
        except ValidationError as error:
            resolution.errors.extend(("caf", message) for message in error.message_dict["caf"])
    impossible_dates = _impossible_dates(document)
    resolution.errors.extend(
        (path, f"date impossible : {value!r} n'existe pas au calendrier") for path, value in impossible_dates
    )
    if not any(path.startswith("period.") for path, _ in impossible_dates):
        try:
            validate_period(
                date.fromisoformat(document["period"]["start"]), date.fromisoformat(document["period"]["end"])
            )
        except ValidationError as error:
            resolution.errors.append(("period.end", " ".join(m for ms in error.message_dict.values() for m in ms)))

    party_keys = set()
    for index, party in enumerate(document["parties"]):
        key = _ref_key(party["organisation"])
        if key in party_keys:
            resolution.errors.append((f"parties[{index}].organisation", "partie en double"))
        party_keys.add(key)
        found = _find_organisation(party["organisation"], f"parties[{index}].organisation", resolution)
        if found is not None:
            resolution.organisations[key] = found

    resolution.fields = {f.code: f for f in InterventionField.objects.all()}
    diagnostic = document["diagnostic"]
    sections = [section["title"] for section in diagnostic.get("sections", [])]
    for index, section in enumerate(diagnostic.get("sections", [])):
        if sections.index(section["title"]) != index:
            resolution.errors.append((f"diagnostic.sections[{index}].title", "rubrique en double"))
    for collection in ("sections", "indicators", "findings", "needs"):
        for index, item in enumerate(diagnostic.get(collection, [])):
            code = item.get("field")
            if code is not None and code not in resolution.fields:
                resolution.errors.append((f"diagnostic.{collection}[{index}].field", _unknown_field(code, resolution)))
            section = item.get("section")
            if section is not None and section not in sections:
                resolution.errors.append(
                    (f"diagnostic.{collection}[{index}].section", f"rubrique inconnue : {section!r}")
                )
    for index, finding in enumerate(diagnostic.get("findings", [])):
        if finding.get("field") is None and finding.get("section") is None:
            resolution.errors.append(
                (f"diagnostic.findings[{index}]", "le constat n'a ni rubrique ni champ d'intervention")
            )

    for a, axis in enumerate(document["axes"]):
        for o, objective in enumerate(axis.get("objectives", [])):
            for s, sheet in enumerate(objective.get("sheets", [])):
                _check_sheet(sheet, f"axes[{a}].objectives[{o}].sheets[{s}]", party_keys, resolution)
    return resolution


DATE_KEYS = {"start", "end", "date", "start_date", "end_date"}


def _impossible_dates(value, path=()) -> list[tuple[str, str]]:
    """(path, value) of every date of the document that has the right form but no day in the
    calendar (« 2023-06-31 »): the schema checks the form only."""
    found = []
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, child in items:
        if key in DATE_KEYS and isinstance(child, str):
            try:
                date.fromisoformat(child)
            except ValueError:
                found.append((_path([*path, key]), child))
        else:
            found.extend(_impossible_dates(child, (*path, key)))
    return found


def _unknown_field(code: str, resolution: Resolution) -> str:
    if not code.strip():
        what = "code de champ d'intervention vide"
    else:
        what = f"champ d'intervention inconnu : {code!r}{_close_match(code, list(resolution.fields))}"
    return f"{what} (valeurs admises : {', '.join(sorted(resolution.fields))})"


def _check_sheet(sheet: dict, path: str, party_keys: set, resolution: Resolution) -> None:
    for index, code in enumerate(sheet.get("fields", [])):
        if code not in resolution.fields:
            resolution.errors.append((f"{path}.fields[{index}]", _unknown_field(code, resolution)))
    for code in sheet.get("communes", []):
        if resolution.territory_communes and code not in resolution.territory_communes:
            resolution.errors.append((f"{path}.communes", f"la commune {code} n'est pas dans le territoire"))
    refs = [("pilot", sheet.get("pilot"))] + [(f"partners[{i}]", p) for i, p in enumerate(sheet.get("partners", []))]
    for name, ref in refs:
        if ref and _ref_key(ref) not in party_keys:
            resolution.errors.append((f"{path}.{name}", f"{ref['name']!r} n'est pas une partie de la convention"))
    budget_keys = [
        (b["year"], b.get("kind", "fonctionnement"), b.get("unit", "euros")) for b in sheet.get("budget", [])
    ]
    if len(budget_keys) != len(set(budget_keys)):
        resolution.errors.append((f"{path}.budget", "deux lignes pour la même année, la même nature et la même unité"))
    for i, indicator in enumerate(sheet.get("indicators", [])):
        years = [m["year"] for m in indicator.get("measures", [])]
        if len(years) != len(set(years)):
            resolution.errors.append((f"{path}.indicators[{i}].measures", "deux mesures pour la même année"))
    start, end = sheet.get("start_date"), sheet.get("end_date")
    with contextlib.suppress(ValueError):  # an impossible date is reported on its own
        if start and end and date.fromisoformat(end) < date.fromisoformat(start):
            resolution.errors.append((f"{path}.end_date", "la fin précède le début"))


def _materialise(found, departement_ids) -> Organisation:
    if isinstance(found, Organisation):
        return found
    kind, value = found
    if kind == "commune":
        return territory_services.organisation_for_commune(value)
    if kind == "epci":
        return territory_services.organisation_for_epci(value)
    organisation = Organisation.objects.create(**value)
    organisation.departements.set(departement_ids)
    return organisation


def import_convention(
    raw: bytes | str, *, created_by=None, allowed_cafs=None, partners_by_invitation=True
) -> Convention:
    """Create a new draft convention from a document; nothing is saved if anything is wrong.

    `allowed_cafs`, when given, are the CAFs the importing user may open a convention for.
    A partner with people on the platform is invited rather than made a party (its admin
    accepts), unless the platform's operator imports (`partners_by_invitation=False`: the
    command line and the demo)."""
    document = parse(raw)
    resolution = resolve(document)
    if allowed_cafs is not None and resolution.caf and not allowed_cafs.filter(pk=resolution.caf.pk).exists():
        resolution.errors.append(("caf", "vous ne pouvez importer que des conventions de votre Caf"))
    if resolution.errors:
        raise ImportErrors(resolution.errors)

    previous = (document.get("previous") or "").strip()
    # The CTG it follows: linked when it is on the platform (same territory, same title),
    # else kept as written, so that exporting it again gives the same document.
    earlier = (
        Convention.objects.filter(title=previous, epci=resolution.epci, commune=resolution.commune)
        .order_by("-start_date")
        .first()
        if previous
        else None
    )
    with transaction.atomic():
        organisations = {
            key: _materialise(found, resolution.departement_ids) for key, found in resolution.organisations.items()
        }
        convention = create_convention(
            caf=resolution.caf,
            epci=resolution.epci,
            commune=resolution.commune,
            title=document["title"],
            summary=document.get("summary", ""),
            start_date=date.fromisoformat(document["period"]["start"]),
            end_date=date.fromisoformat(document["period"]["end"]),
            created_by=created_by,
            previous=earlier,
            previous_reference="" if earlier else previous,
        )
        levels = document.get("levels", {})
        convention.subtitle = document.get("subtitle", "")
        convention.website = document.get("website", "")
        convention.axis_label = levels.get("axis", convention.axis_label)
        convention.objective_label = levels.get("objective", convention.objective_label)
        convention.sheet_label = levels.get("sheet", convention.sheet_label)
        convention.save(update_fields=["subtitle", "website", "axis_label", "objective_label", "sheet_label"])
        # The document's parties replace the proposed ones.
        asked = needing_invitation(convention, organisations.values()) if partners_by_invitation else set()
        parties, invited = [], []
        for party in document["parties"]:
            organisation = organisations[_ref_key(party["organisation"])]
            fields = {name: party[name] for name in PARTY_FIELDS if name in party}
            if organisation.pk in asked:
                invited.append((organisation, fields))
            else:
                parties.append((organisation, fields))
        set_parties(convention, parties)
        for organisation, fields in invited:
            invite_party(convention, organisation, by=created_by, fields=fields)
        _import_diagnostic(convention, document["diagnostic"], resolution)
        _import_governance(convention, document.get("governance", []))
        _import_plan(convention, document["axes"], resolution, organisations)
    return convention


def _import_governance(convention, bodies):
    Committee.objects.bulk_create(
        Committee(
            convention=convention,
            position=position,
            kind=body["kind"],
            **{name: body.get(name, "") for name in ("name", "composition", "members", "rhythm", "role")},
        )
        for position, body in enumerate(bodies, start=1)
    )


def _dec(value):
    return None if value is None else Decimal(value)


def _day(value):
    return date.fromisoformat(value) if value else None


def _import_diagnostic(convention, data, resolution):
    fields = resolution.fields
    diagnostic = convention.diagnostic
    for name in (
        "summary",
        "interviews",
        "interviews_count",
        "survey_description",
        "survey_answers",
        "sources",
        "previous_evaluation",
        "consultant",
    ):
        if name in data:
            setattr(diagnostic, name, data[name])
    diagnostic.save()
    sections = {}
    for position, section in enumerate(data.get("sections", []), start=1):
        sections[section["title"]] = DiagnosticSection.objects.create(
            convention=convention, position=position, title=section["title"], field=fields.get(section.get("field"))
        )
    workshops = [
        Workshop(convention=convention, title=w["title"], date=_day(w["date"]), participants=w.get("participants"))
        for w in data.get("workshops", [])
    ]
    indicators = [
        Indicator(
            convention=convention,
            position=index,
            label=i["label"],
            section=sections.get(i.get("section")),
            field=fields.get(i.get("field")),
            value=Decimal(i["value"]),
            unit=i.get("unit", ""),
            year=i["year"],
            source=i.get("source", ""),
            departement_value=_dec(i.get("departement_value")),
            france_value=_dec(i.get("france_value")),
        )
        for index, i in enumerate(data.get("indicators", []))
    ]
    findings = [
        Finding(
            convention=convention,
            position=index,
            section=sections.get(f.get("section")),
            field=fields.get(f.get("field")) or getattr(sections.get(f.get("section")), "field", None),
            kind=f["kind"],
            text=f["text"],
        )
        for index, f in enumerate(data.get("findings", []))
    ]
    needs = [
        Need(
            convention=convention,
            position=index,
            title=n["title"],
            field=fields.get(n.get("field")),
            priority=n.get("priority", Need.Priority.MEDIUM),
            description=n.get("description", ""),
        )
        for index, n in enumerate(data.get("needs", []))
    ]
    for model, objects in (
        (Workshop, workshops),
        (Indicator, indicators),
        (Finding, findings),
        (Need, needs),
    ):
        if objects:
            bulk_create_with_history(objects, model)


def _import_plan(convention, axes, resolution, organisations):
    for axis_data in axes:
        axis = add_axis(
            convention,
            title=axis_data["title"],
            code=axis_data.get("code", ""),
            description=axis_data.get("description", ""),
        )
        for objective_data in axis_data.get("objectives", []):
            objective = add_objective(
                axis,
                title=objective_data["title"],
                code=objective_data.get("code", ""),
                description=objective_data.get("description", ""),
            )
            for position, sheet_data in enumerate(objective_data.get("sheets", []), start=1):
                _import_sheet(convention, objective, position, sheet_data, resolution, organisations)


def _import_sheet(convention, objective, position, data, resolution, organisations):
    sheet = ActionSheet.objects.create(
        convention=convention,
        objective=objective,
        position=position,
        title=data["title"],
        code=data.get("code", ""),
        context=data.get("context", ""),
        aims=data.get("aims", ""),
        description=data.get("description", ""),
        target_publics=data.get("target_publics", []),
        whole_territory=data.get("whole_territory", True),
        pilot=organisations[_ref_key(data["pilot"])] if data.get("pilot") else None,
        pilot_contact=data.get("pilot_contact", ""),
        elected_referent=data.get("elected_referent", ""),
        other_partners=data.get("other_partners", ""),
        start_date=_day(data.get("start_date")),
        end_date=_day(data.get("end_date")),
        status=data.get("status", "a_lancer"),
        progress=data.get("progress", 0),
        links=data.get("links", ""),
    )
    sheet.fields.set([resolution.fields[code] for code in data.get("fields", [])])
    sheet.communes.set([resolution.territory_communes[code] for code in data.get("communes", [])])
    sheet.partners.set([organisations[_ref_key(ref)] for ref in data.get("partners", [])])
    Step.objects.bulk_create(
        Step(
            sheet=sheet,
            title=s["title"],
            start_date=_day(s.get("start_date")),
            end_date=_day(s.get("end_date")),
            done=s.get("done", False),
        )
        for s in data.get("steps", [])
    )
    BudgetLine.objects.bulk_create(
        BudgetLine(
            sheet=sheet,
            year=b["year"],
            kind=b.get("kind", "fonctionnement"),
            unit=b.get("unit", "euros"),
            planned=Decimal(b["planned"]),
            spent=_dec(b.get("spent")),
        )
        for b in data.get("budget", [])
    )
    FundingLine.objects.bulk_create(
        FundingLine(
            sheet=sheet,
            funder=f["funder"],
            amount=Decimal(f["amount"]),
            year=f.get("year"),
            status=f.get("status", "envisage"),
        )
        for f in data.get("funding", [])
    )
    for indicator_data in data.get("indicators", []):
        indicator = EvaluationIndicator.objects.create(
            sheet=sheet,
            label=indicator_data["label"],
            unit=indicator_data.get("unit", ""),
            baseline=_dec(indicator_data.get("baseline")),
            target=_dec(indicator_data.get("target")),
        )
        IndicatorMeasure.objects.bulk_create(
            IndicatorMeasure(indicator=indicator, year=m["year"], value=Decimal(m["value"]))
            for m in indicator_data.get("measures", [])
        )
