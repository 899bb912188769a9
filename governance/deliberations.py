"""What makes a council's séance record lawful (CGCT), and when its act is exécutoire.

`record_errors` is the one list of rules: the form shows its messages beside the fields, the
workflow refuses a record that breaks one. Each rule names the article it comes from."""

import re
from datetime import date

from django.utils import timezone

from governance.models import Deliberation, Party

PROXY = re.compile(r"^(?P<giver>.+?)\s+(?:a donné|donne)\s+pouvoir\s+à\s+(?P<holder>.+?)\.?$", re.IGNORECASE)
TRANSMISSION_FIELDS = ("act_id", "sent_to_prefecture", "received_by_prefecture", "published_on")
# What the register records of a séance, in the order of the form.
RECORD_FIELDS = (
    "convocation_date",
    "session_date",
    "session_time",
    "session_place",
    "president_name",
    "president_quality",
    "second_convocation",
    "outcome",
    "in_office",
    "present",
    "represented",
    "voting",
    "attendees",
    "proxies",
    "absentees",
    "substitutes",
    "votes_for",
    "votes_against",
    "abstentions",
    "casting_vote",
    "secretary",
    *TRANSMISSION_FIELDS,
)


ACT_ID = re.compile(
    r"^(?P<dep>[0-9]{3}|0[0-9][AB])-(?P<siren>[0-9]{9})-(?P<date>[0-9]{8})-(?P<local>[0-9A-Z_]{1,15})-(?P<nature>[A-Z]{2})$"
)


def departement_on_three(code: str) -> str:
    """ "63" → "063", "2A" → "02A", "971" → "971": the département as @ctes writes it."""
    return code.rjust(3, "0")


def party_departement(party: Party) -> str:
    """The département whose préfecture receives the party's acts ("" when unknown)."""
    organisation = party.organisation
    if organisation.commune_id and organisation.commune.departement_id:
        return organisation.commune.departement.code
    # Read through all(): an export that prefetched the départements asks nothing more.
    return min((d.code for d in organisation.departements.all()), default="")


def act_id_for(party: Party, session_date: date, number: str) -> str:
    """The @ctes identifier of the party's deliberation of `session_date` numbered `number`
    by its own registry: DDD-SIREN-AAAAMMJJ-NUMERO-DE."""
    return (
        f"{departement_on_three(party_departement(party))}-{party.organisation.siren}-{session_date:%Y%m%d}-{number}-DE"
    )


def check_act_id(act_id: str, *, party: Party, session_date: date | None) -> list[str]:
    """Every reason why `act_id` is not the @ctes identifier of this party's deliberation."""
    match = ACT_ID.match(act_id or "")
    if not match:
        return [
            "L'identifiant @ctes doit avoir la forme DDD-SIREN-AAAAMMJJ-NUMERO-DE, "
            "par exemple 063-216302406-20240926-DCM20240926_4-DE."
        ]
    errors = []
    organisation = party.organisation
    departement = party_departement(party)
    if departement and match["dep"] != departement_on_three(departement):
        errors.append(
            f"Le département ({match['dep']}) n'est pas celui de la partie ({departement_on_three(departement)})."
        )
    if organisation.siren and match["siren"] != organisation.siren:
        errors.append(f"Le SIREN ({match['siren']}) n'est pas celui de {organisation.name} ({organisation.siren}).")
    if session_date and match["date"] != session_date.strftime("%Y%m%d"):
        errors.append(f"La date ({match['date']}) n'est pas celle de la séance ({session_date:%Y%m%d}).")
    if match["nature"] != "DE":
        errors.append(f"La nature de l'acte doit être DE (délibération), pas {match['nature']}.")
    return errors


def lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def secretaries(text: str) -> list[str]:
    return [name.strip() for name in re.split(r"[,\n;]", text or "") if name.strip()]


FEMININE = re.compile(r"^(Mme|Madame|Mlle)\b", re.IGNORECASE)
MASCULINE = re.compile(r"^(M\.|Monsieur)(\s|$)", re.IGNORECASE)


def secretary_heading(names: list[str]) -> str:
    """ "Les secrétaires de séance", "La secrétaire de séance" (Mme …), "Le secrétaire de
    séance" (M. …); without a civility, both."""
    if len(names) > 1:
        return "Les secrétaires de séance"
    if names and FEMININE.match(names[0]):
        return "La secrétaire de séance"
    if names and MASCULINE.match(names[0]):
        return "Le secrétaire de séance"
    return "Le ou la secrétaire de séance"


def presiding_title(quality: str, name: str) -> str:
    """The signature heading of who presided: "Maire" for « Mme Lucie Faure » → "La Maire",
    "Président" → "Le Président", "Adjoint délégué" → "L'Adjoint délégué"; a quality written
    with its article stays as written."""
    quality = (quality or "").strip()
    feminine = bool(FEMININE.match(name or ""))
    if not quality:
        return "La présidente de séance" if feminine else "Le président de séance"
    if re.match(r"^(le|la)\s|^l'", quality, re.IGNORECASE):
        return quality[0].upper() + quality[1:]
    if quality[0].lower() in "aeéèêiîoôuh":
        return f"L'{quality}"
    return f"{'La' if feminine else 'Le'} {quality}"


def act_number(act_id: str) -> str:
    """The body's own number of the act, the fourth part of its @ctes identifier
    (« DCM20240926_4 » in 063-216302406-20240926-DCM20240926_4-DE)."""
    parts = (act_id or "").split("-")
    return "-".join(parts[3:-1]) if len(parts) >= 5 else ""


def is_executory(deliberation: Deliberation) -> bool:
    """An adopted act is exécutoire once transmitted to the préfecture and published (L2131-1)."""
    return (
        deliberation.outcome == Deliberation.Outcome.ADOPTED
        and deliberation.sent_to_prefecture is not None
        and deliberation.published_on is not None
    )


def missing_before_signature(deliberation: Deliberation | None) -> list[str]:
    """What the party's deliberation still lacks for its signature to open, in French."""
    if deliberation is None or deliberation.outcome in (
        Deliberation.Outcome.PENDING,
        Deliberation.Outcome.ADJOURNED,
    ):
        return ["la délibération du conseil"]
    if deliberation.outcome == Deliberation.Outcome.REJECTED:
        return ["une délibération qui approuve (le conseil a rejeté la convention)"]
    missing = []
    if deliberation.sent_to_prefecture is None:
        missing.append("la transmission en préfecture")
    if deliberation.published_on is None:
        missing.append("la publication")
    return missing


def record_errors(data: dict, *, deliberation: Deliberation, today: date | None = None) -> dict[str, list[str]]:
    """{field: [French messages]} for every rule the séance's record breaks."""
    today = today or timezone.localdate()
    errors: dict[str, list[str]] = {}

    def error(field, message):
        errors.setdefault(field, []).append(message)

    get = data.get
    outcome = get("outcome")
    session = get("session_date")
    for field, label in (
        ("session_date", "la date de la séance"),
        ("convocation_date", "la date de la convocation (L2121-10)"),
        ("president_name", "qui a présidé la séance"),
        ("in_office", "le nombre de membres en exercice"),
        ("present", "le nombre de présents"),
    ):
        if get(field) in (None, ""):
            error(field, f"Indiquez {label}.")
    if not secretaries(get("secretary") or ""):
        error("secretary", "Le conseil désigne un ou plusieurs secrétaires de séance (L2121-15) : indiquez-les.")

    # Dates in order: frozen text, convocation, séance, transmission, receipt, publication.
    frozen_on = timezone.localdate(deliberation.version.frozen_at) if deliberation.version_id else None
    if session:
        if session > today:
            error("session_date", "La séance ne peut pas être dans le futur.")
        if frozen_on and session < frozen_on:
            error(
                "session_date",
                f"La séance précède le gel du texte (le {frozen_on:%d/%m/%Y}) : le conseil n'a pas pu délibérer sur cette version.",
            )
        if get("convocation_date") and get("convocation_date") >= session:
            error("convocation_date", "La convocation précède la séance.")
    sent, received, published = get("sent_to_prefecture"), get("received_by_prefecture"), get("published_on")
    for field, value in (
        ("sent_to_prefecture", sent),
        ("received_by_prefecture", received),
        ("published_on", published),
    ):
        if value and value > today:
            error(field, "Cette date est dans le futur.")
    if session and sent and sent < session:
        error("sent_to_prefecture", "L'acte ne peut être transmis avant la séance.")
    if received and not sent:
        error("received_by_prefecture", "Indiquez d'abord la date d'envoi en préfecture.")
    if received and sent and received < sent:
        error("received_by_prefecture", "L'accusé de réception ne peut précéder l'envoi.")
    if session and published and published < session:
        error("published_on", "L'acte ne peut être publié avant la séance.")
    if (sent or published) and outcome != Deliberation.Outcome.ADOPTED:
        error("sent_to_prefecture", "Seul un acte adopté est transmis et publié ici.")
    if outcome == Deliberation.Outcome.ADOPTED and not get("act_id"):
        error(
            "act_id", "L'identifiant @ctes est obligatoire pour une délibération adoptée : c'est le numéro de l'acte."
        )
    if get("act_id"):
        for message in check_act_id(get("act_id"), party=deliberation.party, session_date=session):
            error("act_id", message)

    # Members: present, proxies, quorum (L2121-17, L2121-20).
    in_office, present, represented = get("in_office"), get("present"), get("represented") or 0
    if in_office is not None and present is not None:
        if present > in_office:
            error("present", "Il ne peut y avoir plus de présents que de membres en exercice.")
        elif present + represented > in_office:
            error("represented", "Présents et représentés dépassent les membres en exercice.")
        if not get("second_convocation") and present * 2 <= in_office:
            error(
                "present",
                f"Quorum non atteint : {present} présents sur {in_office}, il en faut {in_office // 2 + 1} "
                "(L2121-17). Une seconde convocation délibère sans quorum : cochez-la si c'est le cas.",
            )
    if present is not None and represented > present:
        error(
            "represented",
            "Un membre présent ne détient qu'un pouvoir (L2121-20) : pas plus de pouvoirs que de présents.",
        )
    proxy_lines = lines(get("proxies") or "")
    if represented and len(proxy_lines) != represented:
        error("proxies", f"{represented} représenté(s) : écrivez un pouvoir par ligne, « X a donné pouvoir à Y ».")
    holders = []
    for line in proxy_lines:
        match = PROXY.match(line)
        if match is None:
            error("proxies", f"« {line} » : écrivez « X a donné pouvoir à Y ».")
        else:
            holders.append(match["holder"].strip().lower())
    if len(holders) != len(set(holders)):
        error("proxies", "Un membre ne peut détenir qu'un seul pouvoir (L2121-20).")

    # Votes and the decision.
    if outcome == Deliberation.Outcome.ADJOURNED:
        if any(get(name) for name in ("votes_for", "votes_against", "abstentions")):
            error("outcome", "Un point ajourné n'a pas été voté : laissez les votes vides.")
        return errors
    voting, votes_for, against, abstentions = (
        get(name) for name in ("voting", "votes_for", "votes_against", "abstentions")
    )
    for field, value in (
        ("voting", voting),
        ("votes_for", votes_for),
        ("votes_against", against),
        ("abstentions", abstentions),
    ):
        if value is None:
            error(field, "Indiquez ce nombre (0 s'il n'y en a pas).")
    if None in (voting, votes_for, against, abstentions):
        return errors
    if present is not None and voting > present + represented:
        error("voting", "Les votants ne peuvent dépasser les présents et les représentés.")
    if votes_for + against + abstentions != voting:
        error(
            "votes_for", f"Pour, contre et abstentions font {votes_for + against + abstentions}, pas {voting} votants."
        )
    if votes_for == against and not get("casting_vote"):
        error("casting_vote", "Partage des voix : la voix du président est prépondérante (L2121-20), cochez-la.")
    if outcome == Deliberation.Outcome.ADOPTED and votes_for < against:
        error("outcome", f"Avec {votes_for} pour et {against} contre, la convention n'est pas adoptée.")
    if outcome == Deliberation.Outcome.REJECTED and votes_for > against:
        error("outcome", f"Avec {votes_for} pour et {against} contre, la convention est adoptée, pas rejetée.")
    return errors
