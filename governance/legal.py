"""Legal reference data for the documents: the administrative court of each département and
the acronyms a CTG uses."""

import re

# Ressort des tribunaux administratifs (code de justice administrative, art. R221-3).
TRIBUNAL_BY_COURT = {
    "Amiens": ["02", "60", "80"],
    "Bastia": ["2A", "2B"],
    "Besançon": ["25", "39", "70", "90"],
    "Bordeaux": ["24", "33", "47"],
    "Caen": ["14", "50", "61"],
    "Cergy-Pontoise": ["92", "95"],
    "Châlons-en-Champagne": ["08", "10", "51", "52"],
    "Clermont-Ferrand": ["03", "15", "43", "63"],
    "Dijon": ["21", "58", "71", "89"],
    "Grenoble": ["26", "38", "73", "74"],
    "Lille": ["59", "62"],
    "Limoges": ["19", "23", "36", "87"],
    "Lyon": ["01", "07", "42", "69"],
    "Marseille": ["04", "05", "13"],
    "Melun": ["77", "94"],
    "Montpellier": ["11", "34", "66"],
    "Montreuil": ["93"],
    "Nancy": ["54", "55", "88"],
    "Nantes": ["44", "49", "53", "72", "85"],
    "Nice": ["06"],
    "Nîmes": ["30", "48", "84"],
    "Orléans": ["18", "28", "37", "41", "45"],
    "Paris": ["75"],
    "Pau": ["32", "40", "64", "65"],
    "Poitiers": ["16", "17", "79", "86"],
    "Rennes": ["22", "29", "35", "56"],
    "Rouen": ["27", "76"],
    "Strasbourg": ["57", "67", "68"],
    "Toulon": ["83"],
    "Toulouse": ["09", "12", "31", "46", "81", "82"],
    "Versailles": ["78", "91"],
    "Basse-Terre": ["971"],
    "Fort-de-France": ["972"],
    "la Guyane": ["973"],
    "La Réunion": ["974"],
    "Mayotte": ["976"],
}
TRIBUNAL_BY_DEPARTEMENT = {code: court for court, codes in TRIBUNAL_BY_COURT.items() for code in codes}


def tribunal_name(departement_code: str) -> str:
    """ "le tribunal administratif de Clermont-Ferrand" for the Puy-de-Dôme."""
    court = TRIBUNAL_BY_DEPARTEMENT[departement_code]
    if court.startswith("la "):
        return f"le tribunal administratif de {court}"
    if court == "La Réunion":
        return "le tribunal administratif de La Réunion"
    return f"le tribunal administratif de {court}"


ACRONYMS = {
    "ABS": "analyse des besoins sociaux",
    "ALSH": "accueil de loisirs sans hébergement",
    "CA": "communauté d'agglomération",
    "CAF": "caisse d'allocations familiales",
    "CASF": "code de l'action sociale et des familles",
    "CC": "communauté de communes",
    "CCAS": "centre communal d'action sociale",
    "CEJ": "contrat enfance jeunesse",
    "CGCT": "code général des collectivités territoriales",
    "CLAS": "contrat local d'accompagnement à la scolarité",
    "CLS": "contrat local de santé",
    "CNAF": "Caisse nationale des allocations familiales",
    "CTEAC": "contrat territorial d'éducation artistique et culturelle",
    "CTG": "convention territoriale globale",
    "DSER": "direction des statistiques, des études et de la recherche (Cnaf)",
    "EAJE": "établissement d'accueil du jeune enfant",
    "EPCI": "établissement public de coopération intercommunale",
    "ETP": "équivalent temps plein",
    "INSEE": "Institut national de la statistique et des études économiques",
    "LAEP": "lieu d'accueil enfants-parents",
    "MAM": "maison d'assistants maternels",
    "MSA": "Mutualité sociale agricole",
    "PAJE": "prestation d'accueil du jeune enfant",
    "PEDT": "projet éducatif territorial",
    "PMI": "protection maternelle et infantile",
    "PST": "projet social de territoire",
    "RGPD": "règlement général sur la protection des données",
    "REAAP": "réseau d'écoute, d'appui et d'accompagnement des parents",
    "RPE": "relais petite enfance",
    "SIREN": "système d'identification du répertoire des entreprises",
    "TPS": "toute petite section (école maternelle)",
    "UE": "Union européenne",
}
_WORD = re.compile(r"\b[A-Z]{2,6}\b")


def acronyms_in(texts) -> list[tuple[str, str]]:
    """The acronyms of ACRONYMS that appear in the texts, in alphabetical order."""
    found = set()
    for text in texts:
        if text:
            found.update(match for match in _WORD.findall(str(text)) if match in ACRONYMS)
        # "Caf" and "Insee" are written in lower case in names and sources.
        if text and "Caf " in str(text):
            found.add("CAF")
        if text and "Insee" in str(text):
            found.add("INSEE")
    return [(acronym, ACRONYMS[acronym]) for acronym in sorted(found)]
