"""Creating a convention with its parties, and changing its parties, with their rights."""

from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from ctg import rights
from ctg.lib.mail import queue_email
from ctg.lifecycle import Status
from ctg.models import Convention
from diagnostics.models import Diagnostic
from governance import audit
from governance.models import Party, PartyInvitation
from territories import services as territory_services
from territories.models import Membership, Organisation, Role

# Communes sign first, all in parallel; then the EPCI and partners; the CAF last.
DEFAULT_SIGNING_GROUP = {
    Organisation.Kind.COMMUNE: 1,
    Organisation.Kind.EPCI: 2,
    Organisation.Kind.DEPARTEMENT: 2,
    Organisation.Kind.MSA: 2,
    Organisation.Kind.PARTNER: 2,
    Organisation.Kind.CAF: 3,
}
DEFAULT_TITLE = {
    Organisation.Kind.COMMUNE: "Le Maire",
    Organisation.Kind.EPCI: "Le Président",
    Organisation.Kind.DEPARTEMENT: "Le Président du Conseil départemental",
    Organisation.Kind.MSA: "Le Directeur général",
    Organisation.Kind.PARTNER: "Le Président",
    Organisation.Kind.CAF: "Le Directeur",
}
# Councils of communes and EPCI deliberate on the CTG; the other parties' boards do so
# outside the platform unless the adviser says otherwise.
DELIBERATING_KINDS = {Organisation.Kind.COMMUNE, Organisation.Kind.EPCI}


def default_title(convention: Convention) -> str:
    return f"Convention territoriale globale — {convention.territory_name} {convention.period_label}"


@transaction.atomic
def create_convention(*, caf, start_date, end_date, created_by=None, epci=None, commune=None, title="", **fields):
    """A new draft convention with its diagnostic; the CAF holds its rights and every party
    of the territory (the CAF, the EPCI and all its communes, or the commune) is proposed."""
    convention = Convention(
        caf=caf,
        epci=epci,
        commune=commune,
        start_date=start_date,
        end_date=end_date,
        created_by=created_by,
        **fields,
    )
    convention.title = title or default_title(convention)
    convention.full_clean()
    convention.save()
    Diagnostic.objects.create(convention=convention)
    convention.departements.set(convention.territory_departement_ids())
    rights.grant(convention, [caf])
    add_parties(convention, proposed_organisations(convention))
    return convention


def party_defaults(organisation: Organisation) -> dict:
    return {
        "representative_title": DEFAULT_TITLE[organisation.kind],
        "needs_deliberation": organisation.kind in DELIBERATING_KINDS,
        "signing_group": DEFAULT_SIGNING_GROUP[organisation.kind],
    }


def proposed_organisations(convention: Convention) -> list[Organisation]:
    """The CAF, the territory and, for an EPCI, every member commune (created on demand)."""
    organisations = [convention.caf]
    if convention.epci_id:
        organisations.append(territory_services.organisation_for_epci(convention.epci))
        for commune in convention.epci.communes.select_related("departement").order_by("name"):
            organisations.append(territory_services.organisation_for_commune(commune))
    else:
        organisations.append(territory_services.organisation_for_commune(convention.commune))
    return organisations


@transaction.atomic
def add_parties(convention: Convention, organisations: list[Organisation]) -> list[Party]:
    """Make each organisation a party (idempotent) and grant its rights."""
    existing = set(convention.parties.values_list("organisation_id", flat=True))
    new = [
        Party(convention=convention, organisation=organisation, **party_defaults(organisation))
        for organisation in organisations
        if organisation.pk not in existing
    ]
    for party in new:
        party.save()  # one by one: the history records each addition
    rights.grant(convention, organisations)
    return new


def add_party(convention: Convention, organisation: Organisation, **fields) -> Party:
    add_parties(convention, [organisation])
    party = convention.parties.get(organisation=organisation)
    if fields:
        for name, value in fields.items():
            setattr(party, name, value)
        party.save()
    return party


class PartyError(Exception):
    pass


@transaction.atomic
def set_parties(convention: Convention, parties: list[tuple[Organisation, dict]]) -> None:
    """Make exactly these organisations the parties, in this order, each with its fields
    (representative, deliberation, signing group; the defaults of its kind, or what it
    already has, where a field is not given). The owning CAF always stays; the rights of the
    organisations removed are taken back, those of the added ones granted."""
    wanted = {organisation.pk for organisation, _fields in parties} | {convention.caf_id}
    for party in convention.parties.select_related("organisation", "convention").exclude(organisation_id__in=wanted):
        remove_party(party)
    for organisation, fields in parties:
        add_party(convention, organisation, **fields)


@transaction.atomic
def remove_party(party: Party) -> None:
    """Remove a party and take back its organisation's rights; the owning CAF stays."""
    if party.organisation_id == party.convention.caf_id:
        raise PartyError("La Caf qui porte la convention en reste signataire.")
    rights.revoke(party.convention, party.organisation)
    party.delete()


# --- Parties by invitation -------------------------------------------------------------------


def territory_organisation_ids(convention: Convention) -> set[int]:
    """The owning CAF and the territory's own councils: the EPCI and its communes, or the commune."""
    if convention.epci_id:
        territory = Q(epci_id=convention.epci_id) | Q(commune__epci_id=convention.epci_id)
    else:
        territory = Q(commune_id=convention.commune_id)
    return {convention.caf_id, *Organisation.objects.filter(territory).values_list("pk", flat=True)}


def needing_invitation(convention: Convention, organisations) -> set[int]:
    """The ids, among `organisations`, of those that join only by invitation, in two queries.

    The CAF and the territory's councils are parties by nature. Any other organisation with
    people on the platform is asked first: once a party, its members see the convention and
    receive its e-mails. One nobody works in has no one to ask, and no one who would see it."""
    others = {organisation.pk for organisation in organisations} - territory_organisation_ids(convention)
    return set(
        Membership.objects.filter(organisation_id__in=others, user__is_active=True).values_list(
            "organisation_id", flat=True
        )
    )


def propose_party(convention: Convention, organisation: Organisation, *, by=None, **fields) -> Party | PartyInvitation:
    """Make the organisation a party when it joins without invitation, else invite it."""
    if not organisation.is_active:
        raise PartyError(f"{organisation.name} est désactivée : elle ne peut pas devenir partie.")
    if not needing_invitation(convention, [organisation]):
        return add_party(convention, organisation, **fields)
    return invite_party(convention, organisation, by=by, fields=fields)


@transaction.atomic
def invite_party(convention: Convention, organisation: Organisation, *, by=None, fields=None) -> PartyInvitation:
    """Ask the organisation's admins whether it becomes a party (idempotent while pending)."""
    if convention.parties.filter(organisation=organisation).exists():
        raise PartyError(f"{organisation.name} est déjà partie à la convention.")
    pending = PartyInvitation.objects.pending().filter(convention=convention, organisation=organisation).first()
    if pending is not None:
        return pending
    invitation = PartyInvitation.objects.create(
        convention=convention, organisation=organisation, party_fields=fields or {}, invited_by=by
    )
    admins = organisation_admins(organisation)
    for admin in admins:
        queue_email(
            to=admin.email,
            template="emails/party_invitation",
            context={
                "user": admin,
                "invitation": invitation,
                "convention": convention,
                "path": reverse("party_invitation", kwargs={"party_invitation_pk": invitation.pk}),
            },
        )
    audit.record(
        convention,
        "party_invited",
        f"{organisation.name} invitée à devenir partie ({len(admins)} administrateur·rice(s) prévenu·e(s))",
        actor=by,
        recipients=[admin.email for admin in admins],
    )
    return invitation


def organisation_admins(organisation: Organisation) -> list:
    return [
        membership.user
        for membership in Membership.objects.effective()
        .filter(organisation=organisation, role=Role.ADMIN)
        .select_related("user")
    ]


def may_answer(user, invitation: PartyInvitation) -> bool:
    return (
        Membership.objects.effective()
        .filter(organisation_id=invitation.organisation_id, user=user, role=Role.ADMIN)
        .exists()
    )


def answer_party_invitation(invitation: PartyInvitation, *, by, accept: bool) -> PartyInvitation:
    """The invited organisation's admin accepts (it becomes a party, with the rights that go
    with it) or declines; the person who invited is told either way."""
    with transaction.atomic():
        invitation = (
            PartyInvitation.objects.select_for_update(of=("self",))
            .select_related("convention", "organisation", "invited_by")
            .get(pk=invitation.pk)
        )
        if invitation.status != PartyInvitation.Status.PENDING:
            raise PartyError("Cette invitation a déjà reçu une réponse ou a été retirée.")
        convention = invitation.convention
        if accept and convention.status != Status.DRAFT:
            raise PartyError("La convention n'est plus en préparation : ses parties ne changent plus.")
        if accept:
            add_party(convention, invitation.organisation, **invitation.party_fields)
        invitation.status = PartyInvitation.Status.ACCEPTED if accept else PartyInvitation.Status.DECLINED
        invitation.decided_by, invitation.decided_at = by, timezone.now()
        invitation.save(update_fields=["status", "decided_by", "decided_at"])
        verb = "accepte" if accept else "refuse"
        audit.record(
            convention, "party_invitation_answered", f"{invitation.organisation.name} {verb} d'être partie", actor=by
        )
        if invitation.invited_by and invitation.invited_by.is_active:
            queue_email(
                to=invitation.invited_by.email,
                template="emails/party_invitation_answered",
                context={"user": invitation.invited_by, "invitation": invitation, "convention": convention},
            )
    return invitation


@transaction.atomic
def withdraw_party_invitation(invitation: PartyInvitation, *, by=None) -> bool:
    withdrawn = (
        PartyInvitation.objects.pending()
        .filter(pk=invitation.pk)
        .update(status=PartyInvitation.Status.WITHDRAWN, decided_by=by, decided_at=timezone.now())
    )
    if withdrawn:
        audit.record(
            invitation.convention,
            "party_invitation_withdrawn",
            f"Invitation de {invitation.organisation.name} retirée",
            actor=by,
        )
    return bool(withdrawn)
