"""French company identifiers: the SIREN (9 digits) and the SIRET (14 digits: the SIREN and
the establishment's 5-digit number), both checked with the Luhn key."""

LA_POSTE_SIREN = "356000000"  # its many establishments' SIRET follow their own key


def luhn_ok(digits: str) -> bool:
    total = 0
    for position, character in enumerate(reversed(digits)):
        value = int(character)
        if position % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def siret_error(siret: str, siren: str = "") -> str:
    """Why this SIRET cannot be the organisation's ("" when it can), in French."""
    siret = siret.replace(" ", "")
    if len(siret) != 14 or not siret.isdigit():
        return "Un SIRET compte 14 chiffres."
    if siren and not siret.startswith(siren):
        return f"Un SIRET commence par le SIREN de l'organisation ({siren})."
    valid = sum(int(character) for character in siret) % 5 == 0 if siret.startswith(LA_POSTE_SIREN) else luhn_ok(siret)
    return "" if valid else "Ce SIRET n'est pas valide : vérifiez ses chiffres (la clé de contrôle ne correspond pas)."
