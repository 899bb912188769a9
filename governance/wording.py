"""French wording from the data: how the documents name each party (article, gender) and
sentences that list parties agree with what is there."""

from dataclasses import dataclass

from ctg.lib.typography import french_sorted, lower_first

COMMUNE_PREFIX = "Commune "
DEPARTEMENT_PREFIX = "Conseil départemental "


@dataclass(frozen=True)
class Designation:
    """A party as a sentence names it: « la communauté de communes Plaine Limagne »."""

    name: str
    # True, False, or None when the data does not tell (an association's name).
    feminine: bool | None

    def agree(self, word: str) -> str:
        """ "représenté" → "représentée", "représenté", or "représenté·e" when unknown."""
        if self.feminine is None:
            return f"{word}·e"
        return f"{word}e" if self.feminine else word


def designate(details: dict) -> Designation:
    """The designation of a party from its document details (governance.snapshot)."""
    kind, name = details.get("kind"), details["name"]
    if kind == "commune":
        return Designation(f"la commune {name.removeprefix(COMMUNE_PREFIX)}", True)
    if kind == "epci":
        body = details.get("body") or name
        # « Communauté de communes Plaine Limagne », « Métropole de Lyon »: a common noun, an
        # article; « Clermont Auvergne Métropole »: a proper name, as it is.
        if body.startswith(("Communauté", "Métropole")):
            return Designation(f"la {lower_first(body)}", True)
        return Designation(body, True)
    if kind == "departement":
        return Designation(f"le Département {name.removeprefix(DEPARTEMENT_PREFIX)}".replace("  ", " "), False)
    if kind in ("caf", "msa"):
        return Designation(name if name.lower().startswith("la ") else f"la {name}", True)
    return Designation(name, None)


def enumerate_fr(items: list[str]) -> str:
    """ "a", "a et b", "a, b et c"; "les a et b, c, et d" when an item is itself a list (the
    comma tells where the inner list ends)."""
    items = [item for item in items if item]
    if len(items) < 2:
        return "".join(items)
    # Only a list inside the list (« les communes de A et de B »), not a name with « et » in it
    # (« Thiers Dore et Montagne »), calls for the comma.
    last_joint = ", et " if any(item.startswith("les ") and " et " in item for item in items[:-1]) else " et "
    return f"{', '.join(items[:-1])}{last_joint}{items[-1]}"


def parties_sentence(parties: list[dict]) -> str:
    """The cover's « Entre … »: the parties in the convention's order, its signing communes
    named together where the first of them stands (« la commune de Thiers » for one, « les
    communes de A, de B et de C » for several)."""
    communes = [p for p in parties if p["details"].get("kind") == "commune"]
    names = []
    for party in parties:
        if party["details"].get("kind") != "commune":
            names.append(designate(party["details"]).name)
        elif party is communes[0]:
            names.append(communes_phrase([p["details"]["name"] for p in communes]))
    return f"Entre {enumerate_fr(names)}"


def communes_phrase(names: list[str]) -> str:
    """ "la commune de Thiers" for one, "les communes d'Arconsat, de Celles-sur-Durolle et de
    Thiers" for several, in French order."""
    names = french_sorted((name.removeprefix(COMMUNE_PREFIX) for name in names), key=_bare)
    if len(names) == 1:
        return f"la commune {_de_list(names)}"
    return f"les communes {_de_list(names)}"


def _bare(name: str) -> str:
    """ "de Thiers" → "Thiers", "d'Orléat" → "Orléat": what a list of communes sorts by."""
    for article in ("de ", "d'", "d’", "du ", "des "):
        if name.startswith(article):
            return name[len(article) :]
    return name


def _de_list(names: list[str]) -> str:
    """ "de Thiers, d'Arconsat et de Celles-sur-Durolle" (the names as "de X" already given)."""
    return enumerate_fr([name if name.startswith(("de ", "d'", "du ", "des ")) else f"de {name}" for name in names])


# What each kind of party usually commits to (article « Les engagements des parties »): the
# default a convention may replace, party by party (Party.commitments).
COORDINATOR_COMMITMENTS = [
    "coordonner la mise en œuvre du plan d'actions et animer le partenariat local ;",
    "réunir les instances de pilotage de la convention et en assurer le secrétariat ;",
    "rendre compte chaque année de l'avancement des actions.",
]
DEFAULT_COMMITMENTS = {
    "caf": [
        "accompagner le territoire dans l'élaboration et la conduite de son projet social ;",
        "mobiliser ses financements selon les règles en vigueur de la branche Famille ;",
        "apporter son expertise et partager ses données sur les familles du territoire.",
    ],
    "commune": [
        "mettre en œuvre, dans le cadre de ses compétences, les actions du plan qui la concernent ;",
        "participer aux instances de pilotage de la convention ;",
        "partager les informations utiles au suivi et à l'évaluation.",
    ],
    "epci": [
        "mettre en œuvre, dans le cadre de ses compétences, les actions du plan qui la concernent ;",
        "participer aux instances de pilotage de la convention.",
    ],
    "departement": [
        "articuler ses politiques de protection maternelle et infantile, d'action sociale et d'insertion avec le plan d'actions ;",
        "participer aux instances de pilotage de la convention.",
    ],
    "msa": [
        "mobiliser son action sanitaire et sociale en faveur des familles du régime agricole du territoire ;",
        "participer aux instances de pilotage de la convention.",
    ],
}
PARTNER_COMMITMENTS = [
    "contribuer, dans le cadre de ses missions, aux actions du plan qui la concernent ;",
    "participer aux instances de pilotage de la convention.",
]


def default_commitments(kind: str, territory_kind: str) -> list[str]:
    """The usual commitments of a party of this kind; the territory that signs (the EPCI, or
    the commune of a communal convention) coordinates."""
    if kind == territory_kind:
        return COORDINATOR_COMMITMENTS
    return DEFAULT_COMMITMENTS.get(kind, PARTNER_COMMITMENTS)


def commitments(party: dict, territory_kind: str) -> list[str]:
    """A party's commitments as the convention writes them: its own lines, else the default."""
    own = [line.strip() for line in (party.get("commitments") or "").splitlines() if line.strip()]
    return own or default_commitments(party["details"].get("kind"), territory_kind)


def representative_feminine(title: str) -> bool | None:
    """ "La Maire", "La Présidente" → True; "Le Directeur" → False; unknown → None."""
    first = (title or "").strip().split(" ")[0].lower()
    return {"la": True, "le": False}.get(first)


def plural(label: str, count: int) -> str:
    """ "Axe" → "axes", "Enjeu" → "enjeux", "Fiche action" → "fiches action", lowered for a
    sentence; singular for 0 and 1, as French counts."""
    first, _, rest = lower_first(label).partition(" ")
    if abs(count) > 1 and not first.endswith(("s", "x", "z")):
        first = first[:-2] + "aux" if first.endswith("al") else first + ("x" if first.endswith(("eu", "au")) else "s")
    return f"{first} {rest}".strip()


def counted(count: int, label: str) -> str:
    """ "5 axes", "1 enjeu", "0 fiche action"."""
    return f"{count} {plural(label, count)}"


DEFAULT_LEVELS = {"axis": "Axe", "objective": "Objectif", "sheet": "Fiche action"}


def levels(snapshot) -> dict:
    """The names the convention gives to the levels of its plan (« Enjeu », « Orientation »…)."""
    return {**DEFAULT_LEVELS, **(snapshot.get("levels") or {})}


def plan(snapshot) -> list[dict]:
    """The axes with their objectives and sheets, each with its number: the one the convention
    gives it, else its place in the plan (« 2 », « 2.1 », « 2.1.3 »)."""
    axes = []
    for a, axis in enumerate(snapshot["axes"], start=1):
        axis_number = axis.get("code") or str(a)
        objectives = []
        for o, objective in enumerate(axis.get("objectives", []), start=1):
            objective_number = objective.get("code") or f"{axis_number}.{o}"
            sheets = [
                {**sheet, "number": sheet.get("code") or f"{objective_number}.{s}"}
                for s, sheet in enumerate(objective.get("sheets", []), start=1)
            ]
            objectives.append({**objective, "number": objective_number, "sheets": sheets})
        axes.append({**axis, "number": axis_number, "objectives": objectives})
    return axes
