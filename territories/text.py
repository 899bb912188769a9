import re
import unicodedata

_NON_ALNUM = re.compile(r"[^a-z0-9]+")


def search_key(text: str) -> str:
    """Lower-case ASCII words separated by single spaces: "Montluçon-Communauté" →
    "montlucon communaute". Stored beside names so that searching ignores accents,
    case, hyphens and apostrophes on every database."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    ascii_text = decomposed.encode("ascii", "ignore").decode("ascii").lower()
    return _NON_ALNUM.sub(" ", ascii_text).strip()


# INSEE "type de nom en clair" (TNCC): which article a name takes and how "de" binds to it.
_LIAISON_PREFIX = {
    0: "de ",
    1: "d'",
    2: "du ",
    3: "de la ",
    4: "des ",
    5: "de l'",
    6: "des ",
    7: "de las ",
    8: "de los ",
}
_ARTICLES = ("Le ", "La ", "Les ", "L'", "Aux ", "Las ", "Los ")


def with_de(name: str, type_liaison: int) -> str:
    """ "Allier" (5) → "de l'Allier"; "Puy-de-Dôme" (2) → "du Puy-de-Dôme"."""
    if type_liaison in (2, 3, 4, 5, 6, 7, 8):
        for article in _ARTICLES:
            if name.startswith(article):
                name = name[len(article) :]
                break
    prefix = _LIAISON_PREFIX.get(type_liaison, "de ")
    if prefix == "de " and name[:1].upper() in "AEIOUYÉÈÊÎÔÂ":
        prefix = "d'"
    return f"{prefix}{name}"
