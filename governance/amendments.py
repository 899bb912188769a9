"""An avenant: what changes between the signed text and the new one, written as the short act
the parties sign and their councils approve (« Avenant n° 1 »), not the whole convention again."""

from ctg.lib.typography import fr_date
from governance import wording

# The parts of a sheet an avenant names when they change, as the act says them.
SHEET_PARTS = {
    "context": "contexte",
    "aims": "objectifs opérationnels",
    "description": "description",
    "pilot": "pilote",
    "partners": "partenaires",
    "other_partners": "partenaires",
    "target_publics": "publics visés",
    "whole_territory": "territoire",
    "communes": "territoire",
    "fields": "champs d'intervention",
    "start_date": "calendrier",
    "end_date": "calendrier",
    "steps": "étapes",
    "budget": "budget",
    "funding": "financement",
    "indicators": "indicateurs",
}
# What follow-up changes on a sheet without changing the convention's text.
FOLLOW_UP = {"status", "progress", "links", "measures", "spent"}


def amendment_of(signed_snapshot: dict, document: dict, *, number: int, base_version: int, signed_on) -> dict:
    """The avenant's own data, kept in the new version's snapshot: its number, the version it
    amends and when that was signed, and the list of changes."""
    return {
        "number": number,
        "base_version": base_version,
        "base_signed_on": signed_on.isoformat() if signed_on else None,
        "base_title": signed_snapshot["title"],
        "changes": changes(signed_snapshot, document),
    }


def changes(before: dict, after: dict) -> list[dict]:
    """The changes from `before` to `after`, grouped by the article they touch: a list of
    {"heading", "lines", "sheets"} (sheets: the titles of the sheets the avenant annexes)."""
    groups = []

    def group(heading, lines, sheets=()):
        if lines:
            groups.append({"heading": heading, "lines": lines, "sheets": list(sheets)})

    general = []
    if before["title"] != after["title"]:
        general.append(f"Modification : intitulé, désormais « {after['title']} ».")
    if before["period"] != after["period"]:
        general.append(
            f"Modification : durée, désormais du {fr_date(after['period']['start'])} au {fr_date(after['period']['end'])} "
            f"(au lieu du {fr_date(before['period']['start'])} au {fr_date(before['period']['end'])})."
        )
    if before.get("summary") != after.get("summary"):
        general.append("Modification : préambule.")
    group("La convention", general)

    def named(party):
        return wording.designate(party["details"]).name if "details" in party else party["organisation"]["name"]

    before_parties = {p["organisation"]["name"]: p for p in before["parties"]}
    after_parties = {p["organisation"]["name"]: p for p in after["parties"]}
    parties = [
        f"Ajout : {named(p)} devient partie à la convention."
        for n, p in after_parties.items()
        if n not in before_parties
    ]
    parties += [
        f"Retrait : {named(p)} n'est plus partie à la convention."
        for n, p in before_parties.items()
        if n not in after_parties
    ]
    parties += [
        f"Modification : engagements de {named(p)}."
        for n, p in after_parties.items()
        if n in before_parties and (p.get("commitments") or "") != (before_parties[n].get("commitments") or "")
    ]
    group("Les parties et leurs engagements", parties)

    if before.get("diagnostic") != after.get("diagnostic"):
        group("Le diagnostic partagé", ["Modification : diagnostic partagé."])

    names = wording.levels(after)
    before_axes, after_axes = wording.plan(before), wording.plan(after)
    structure = []
    for label, key in ((names["axis"], "axes"), (names["objective"], "objectives")):
        old = _titles(before_axes, key)
        new = _titles(after_axes, key)
        structure += [
            f"Ajout : {label.lower()} {number} — {title}." for title, number in new.items() if title not in old
        ]
        structure += [
            f"Retrait : {label.lower()} {number} — {title}." for title, number in old.items() if title not in new
        ]
    old_sheets = {s["title"]: s for s in _all_sheets(before_axes)}
    new_sheets = {s["title"]: s for s in _all_sheets(after_axes)}
    annexed = []
    sheet_label = names["sheet"].lower()
    for title, sheet in new_sheets.items():
        if title not in old_sheets:
            structure.append(f"Ajout : {sheet_label} {sheet['number']} — {title} (annexée).")
            annexed.append(title)
            continue
        parts = _changed_parts(old_sheets[title], sheet)
        if parts:
            structure.append(
                f"Modification : {sheet_label} {sheet['number']} — {title} ({wording.enumerate_fr(parts)})."
            )
            annexed.append(title)
    structure += [
        f"Retrait : {sheet_label} {sheet['number']} — {title}."
        for title, sheet in old_sheets.items()
        if title not in new_sheets
    ]
    group("Le plan d'actions", structure, annexed)

    if before.get("governance", []) != after.get("governance", []):
        bodies = [body.get("name") or body["kind"] for body in after.get("governance", [])]
        group(
            "La gouvernance",
            [
                f"Modification : instances de pilotage, désormais {wording.enumerate_fr(bodies)}."
                if bodies
                else ("Modification : les instances de pilotage ne sont plus détaillées.")
            ],
        )
    return groups


def _titles(axes, key) -> dict:
    if key == "axes":
        return {axis["title"]: axis["number"] for axis in axes}
    return {o["title"]: o["number"] for axis in axes for o in axis["objectives"]}


def _all_sheets(axes):
    return [sheet for axis in axes for objective in axis["objectives"] for sheet in objective["sheets"]]


def _changed_parts(before: dict, after: dict) -> list[str]:
    parts = []
    for key, label in SHEET_PARTS.items():
        if _text_of(before.get(key)) != _text_of(after.get(key)) and label not in parts:
            parts.append(label)
    return parts


def _text_of(value):
    """What the convention's text shows of a sheet's part: follow-up figures left out."""
    if isinstance(value, list):
        return [_text_of(item) for item in value]
    if isinstance(value, dict):
        return {k: _text_of(v) for k, v in value.items() if k not in FOLLOW_UP}
    return value or None
