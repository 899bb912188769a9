"""Who signs for a party: its executive (the maire, the président, the Caf's directeur) or, in
the executive's stead, a delegate named by an arrêté of delegation of signature. Only their
accounts sign on the platform; what they sign as is recorded with the signature."""

from dataclasses import dataclass
from datetime import date

from django.utils import timezone

from ctg.lib.typography import lower_first
from governance.models import Party
from territories.models import Membership


@dataclass(frozen=True)
class Signatory:
    """Who signs, as the evidence and the documents name them."""

    name: str
    quality: str
    delegation: str = ""


def delegation_mention(party: Party) -> str:
    """« pour le Maire et par délégation, arrêté n° 2024-12 du 03/05/2024 » (inside a sentence)."""
    if not party.has_delegation:
        return ""
    executive = lower_first(party.representative_title.strip() or "l'exécutif")
    return f"pour {executive} et par délégation, arrêté n° {party.delegation_order} du {party.delegation_date:%d/%m/%Y}"


def signatory_for(party: Party, user) -> Signatory | None:
    """What `user` signs as for `party`: its executive, its delegate, or nobody (None). The
    account must still be an effective member of the party's organisation."""
    if not (user.is_authenticated and user.is_active):
        return None
    role = party.signs_as(user.pk)
    if role == "executive":
        signatory = Signatory(
            party.representative_name or user.get_full_name() or user.email, party.representative_title
        )
    elif role == "delegate":
        signatory = Signatory(party.delegate_name, party.delegate_title, delegation_mention(party))
    else:
        return None
    is_member = Membership.objects.effective().filter(user=user, organisation_id=party.organisation_id).exists()
    return signatory if is_member else None


def designated_accounts(party: Party) -> list:
    """The accounts that may sign for the party (executive, then delegate), still members."""
    ids = [party.executive_account_id]
    if party.has_delegation:
        ids.append(party.delegate_account_id)
    ids = [pk for pk in ids if pk]
    if not ids:
        return []
    members = {
        m.user_id: m.user
        for m in Membership.objects.effective()
        .filter(organisation_id=party.organisation_id, user_id__in=ids)
        .select_related("user")
    }
    return [members[pk] for pk in ids if pk in members]


def missing_signatory(party: Party) -> str:
    """What the circuit still needs to know of who signs for the party ("" when nothing)."""
    if not party.executive_account_id and not (party.delegate_account_id and party.has_delegation):
        return "le compte de son exécutif ou d'un délégataire (ou une signature sur papier)"
    return ""


def signatory_errors(data: dict, party: Party, today: date | None = None) -> dict[str, list[str]]:
    """Every reason why a designation of signatories cannot stand, by field."""
    today = today or timezone.localdate()
    errors: dict[str, list[str]] = {}

    def refuse(field, message):
        errors.setdefault(field, []).append(message)

    executive, delegate = data.get("executive_account"), data.get("delegate_account")
    # Once frozen, the executive's name and quality are the text's; they are no longer asked.
    if executive and party.convention.is_editable:
        if not data.get("representative_name"):
            refuse("representative_name", "Indiquez le nom de l'exécutif dont le compte signe.")
        if not data.get("representative_title"):
            refuse("representative_title", "Indiquez la qualité de l'exécutif (« Le Maire », « La Présidente »…).")
    delegation = ("delegate_name", "delegate_title", "delegation_order", "delegation_date")
    if delegate or any(data.get(field) for field in delegation):
        labels = {
            "delegate_name": "Indiquez le nom du ou de la délégataire.",
            "delegate_title": "Indiquez la qualité du ou de la délégataire (« Adjointe déléguée »…).",
            "delegation_order": "Indiquez le numéro de l'arrêté de délégation de signature.",
            "delegation_date": "Indiquez la date de l'arrêté de délégation.",
        }
        for field in delegation:
            if not data.get(field):
                refuse(field, labels[field])
    if data.get("delegation_date") and data["delegation_date"] > today:
        refuse("delegation_date", "L'arrêté de délégation ne peut pas être daté du futur.")
    if executive and delegate and executive == delegate:
        refuse("delegate_account", "Le compte du délégataire doit être différent de celui de l'exécutif.")
    members = set(
        Membership.objects.effective().filter(organisation_id=party.organisation_id).values_list("user_id", flat=True)
    )
    for field, account in (("executive_account", executive), ("delegate_account", delegate)):
        if account and account.pk not in members:
            refuse(field, f"Ce compte n'est pas membre de {party.organisation.name}.")
    return errors
