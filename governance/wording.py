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
    """ "a", "a et b", "a, b et c"; "a, b et c, et d" when an item is itself a list (the comma
    tells where the inner list ends)."""
    items = [item for item in items if item]
    if len(items) < 2:
        return "".join(items)
    last_joint = ", et " if any(" et " in item for item in items[:-1]) else " et "
    return f"{', '.join(items[:-1])}{last_joint}{items[-1]}"


def parties_sentence(parties: list[dict]) -> str:
    """The cover's « Entre … »: the territory, its signing communes grouped, the Caf and the
    partners, as many as sign (« la commune de Thiers » for one, « les communes de A, B et C »)."""
    epcis = [p for p in parties if p["details"].get("kind") == "epci"]
    communes = [p for p in parties if p["details"].get("kind") == "commune"]
    others = [p for p in parties if p["details"].get("kind") not in ("epci", "commune")]
    names = [designate(p["details"]).name for p in epcis]
    commune_names = french_sorted(p["details"]["name"].removeprefix(COMMUNE_PREFIX) for p in communes)
    if len(commune_names) == 1:
        names.append(designate(communes[0]["details"]).name)
    elif commune_names:
        names.append(f"les communes {_de_list(commune_names)}")
    names += [designate(p["details"]).name for p in others]
    return f"Entre {enumerate_fr(names)}"


def _de_list(names: list[str]) -> str:
    """ "de Thiers, d'Arconsat et de Celles-sur-Durolle" (the names as "de X" already given)."""
    return enumerate_fr([name if name.startswith(("de ", "d'", "du ", "des ")) else f"de {name}" for name in names])
