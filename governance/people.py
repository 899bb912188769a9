"""Bringing people in: an agent asks to join the organisation of their SIRET, and a convention's
adviser or coordinator invites the staff of its parties.

Who decides on a request to join: the organisation's admins; for an organisation that has none
yet (a commune or an EPCI new to the platform), the Caf advisers of the conventions it is party
to, who may make the first agent its admin."""

from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone

from ctg.lib.mail import queue_email
from ctg.models import Convention
from governance.models import Party
from governance.services import organisation_admins
from territories import services as territory_services
from territories.identifiers import siret_error
from territories.models import Invitation, JoinRequest, Membership, Organisation, Role, User


class PeopleError(Exception):
    """A request that cannot be made or decided; the message is for the user, in French."""


def organisation_has_admin(organisation: Organisation) -> bool:
    return Membership.objects.effective().filter(organisation=organisation, role=Role.ADMIN).exists()


def deciders(organisation: Organisation) -> list:
    """The people who may accept someone into the organisation."""
    admins = organisation_admins(organisation)
    if admins:
        return admins
    advisers = Membership.objects.effective().filter(
        role=Role.CAF_ADVISER,
        organisation__in=Convention.objects.filter(parties__organisation=organisation).values("caf_id"),
    )
    return list(User.objects.filter(memberships__in=advisers).distinct())


def may_decide(user, join_request: JoinRequest) -> bool:
    if not (user.is_authenticated and user.is_active):
        return False
    return user.is_superuser or user in deciders(join_request.organisation)


def decidable_by(user):
    """The pending requests this user may decide, in one query: those of the organisations they
    administer, and of the organisations without an admin that are party to a convention of the
    Caf they advise for."""
    pending = JoinRequest.objects.pending().select_related("user", "organisation")
    if user.is_superuser:
        return pending
    administered = Membership.objects.effective().filter(user=user, role=Role.ADMIN).values("organisation_id")
    advised_cafs = Membership.objects.effective().filter(user=user, role=Role.CAF_ADVISER).values("organisation_id")
    has_admin = Membership.objects.effective().filter(organisation=OuterRef("organisation"), role=Role.ADMIN)
    party_of_advised = Party.objects.filter(organisation=OuterRef("organisation"), convention__caf__in=advised_cafs)
    return pending.annotate(has_admin=Exists(has_admin), party_of_advised=Exists(party_of_advised)).filter(
        Q(organisation__in=administered) | Q(has_admin=False, party_of_advised=True)
    )


def request_to_join(user, organisation: Organisation, *, siret: str = "", message: str = "") -> list:
    """Record the request and tell whoever may accept it; returns who was told."""
    if Membership.objects.filter(user=user, organisation=organisation).exists():
        raise PeopleError(f"Vous êtes déjà membre de {organisation.name}.")
    if JoinRequest.objects.pending().filter(user=user, organisation=organisation).exists():
        raise PeopleError(f"Votre demande pour rejoindre {organisation.name} attend déjà une réponse.")
    told = deciders(organisation)
    with transaction.atomic():
        join_request = JoinRequest.objects.create(user=user, organisation=organisation, siret=siret, message=message)
        for decider in told:
            queue_email(
                to=decider.email,
                template="emails/join_request",
                context={"user": decider, "join_request": join_request, "path": review_path(join_request)},
            )
    return told


def review_path(join_request: JoinRequest) -> str:
    return reverse("join_request_decide", kwargs={"join_request_pk": join_request.pk})


def decide(join_request: JoinRequest, *, by, accept: bool, role: str = "") -> JoinRequest:
    """Accept (the agent becomes a member with `role`) or decline; the agent is told either way.

    The first accepted agent's SIRET becomes the organisation's when it has none and matches."""
    with transaction.atomic():
        join_request = (
            JoinRequest.objects.select_for_update(of=("self",))
            .select_related("user", "organisation")
            .get(pk=join_request.pk)
        )
        if join_request.status != JoinRequest.Status.PENDING:
            raise PeopleError("Cette demande a déjà reçu une réponse.")
        organisation = join_request.organisation
        if accept:
            if role not in dict(Role.choices_for(organisation.kind)):
                raise PeopleError("Choisissez un rôle.")
            territory_services.add_member(organisation, join_request.user, role)
            if (
                not organisation.siret
                and join_request.siret
                and not siret_error(join_request.siret, organisation.siren)
            ):
                organisation.siret = join_request.siret
                organisation.save(update_fields=["siret"])
        join_request.status = JoinRequest.Status.ACCEPTED if accept else JoinRequest.Status.DECLINED
        join_request.role = role if accept else ""
        join_request.decided_by, join_request.decided_at = by, timezone.now()
        join_request.save(update_fields=["status", "role", "decided_by", "decided_at"])
        queue_email(
            to=join_request.user.email,
            template="emails/join_request_answered",
            context={"user": join_request.user, "join_request": join_request},
        )
    return join_request


def cancel(join_request: JoinRequest) -> bool:
    return bool(JoinRequest.objects.pending().filter(pk=join_request.pk).update(status=JoinRequest.Status.CANCELLED))


# --- Invitations from a convention ------------------------------------------------------------


def invitation_roles(organisation: Organisation) -> list[tuple[str, str]]:
    """What a convention's adviser or coordinator may invite someone of the party as: its own
    role (coordinator, commune officer, adviser, partner) or reader; admin too while the
    organisation has none, so that a local authority new to the platform gets one."""
    roles = [(value, label) for value, label in Role.choices_for(organisation.kind) if value != Role.ADMIN]
    if not organisation_has_admin(organisation):
        roles.append((Role.ADMIN.value, Role.ADMIN.label))
    return roles


def invite_to_convention(
    convention: Convention, organisation: Organisation, *, email: str, role: str, by
) -> Invitation:
    if not convention.parties.filter(organisation=organisation).exists():
        raise PeopleError(f"{organisation.name} n'est pas partie à cette convention.")
    if role not in dict(invitation_roles(organisation)):
        raise PeopleError("Ce rôle ne peut pas être proposé pour cette organisation.")
    if Membership.objects.filter(organisation=organisation, user__email__iexact=email.strip()).exists():
        raise PeopleError(f"{email} est déjà membre de {organisation.name}.")
    if Invitation.objects.pending().filter(organisation=organisation, email__iexact=email.strip()).exists():
        raise PeopleError(f"Une invitation pour {email} à {organisation.name} attend déjà une réponse.")
    return territory_services.invite_member(
        organisation=organisation,
        email=email,
        role=role,
        invited_by=by,
        invited_for=f"la convention « {convention.title} »",
        return_path=reverse("convention_detail", kwargs={"convention_pk": convention.pk}),
    )


def pending_invitations(convention: Convention):
    return (
        Invitation.objects.pending()
        .filter(organisation__parties__convention=convention)
        .select_related("organisation", "invited_by")
        .order_by("organisation__name", "email")
    )


def party_people(convention: Convention):
    """The people of the parties' organisations (those who may sit on its committees)."""
    return (
        User.objects.filter(
            is_active=True,
            memberships__organisation__parties__convention=convention,
            memberships__organisation__is_active=True,
        )
        .distinct()
        .order_by("last_name", "first_name", "email")
    )
