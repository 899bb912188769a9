"""Organisations, members and invitations: the rules that change them."""

from django.contrib.auth.models import Group
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from guardian.shortcuts import assign_perm

from ctg.lib.mail import queue_email
from territories.models import EPCI, Commune, Invitation, Membership, Organisation, Role


class InvitationError(Exception):
    """An invitation that cannot be used; the message is for the user, in French."""


def grant_organisation_permissions(organisation: Organisation) -> None:
    """Members see their organisation; its admins manage its members."""
    assign_perm("territories.view_organisation", organisation.group(), organisation)
    assign_perm("territories.manage_organisation", organisation.group(Role.ADMIN), organisation)


def sync_membership_groups(membership: Membership) -> None:
    """Put the member in the organisation's group and in the group of their role only; the
    members of a deactivated organisation are in none of its groups (they lose its rights)."""
    organisation = membership.organisation
    if not organisation.is_active:
        remove_membership_groups(membership)
        return
    user = membership.user
    role_group_names = [f"org-{organisation.pk}-{role}" for role in Role.values]
    user.groups.remove(
        *Group.objects.filter(name__in=role_group_names).exclude(name=f"org-{organisation.pk}-{membership.role}")
    )
    user.groups.add(organisation.group(), organisation.group(membership.role))


def remove_membership_groups(membership: Membership) -> None:
    organisation_id = membership.organisation_id
    names = [f"org-{organisation_id}"] + [f"org-{organisation_id}-{role}" for role in Role.values]
    membership.user.groups.remove(*Group.objects.filter(name__in=names))


def sync_organisation_groups(organisation: Organisation) -> None:
    """After an organisation is deactivated (or reactivated), its members' groups follow."""
    for membership in organisation.memberships.select_related("user", "organisation"):
        sync_membership_groups(membership)


def organisation_for_epci(epci: EPCI) -> Organisation:
    """The EPCI's organisation, created from the geography the first time it is needed."""
    organisation = Organisation.objects.filter(epci=epci).first()
    if organisation is None:
        organisation = Organisation.objects.create(
            kind=Organisation.Kind.EPCI, name=epci.name, siren=epci.siren, epci=epci
        )
        departement_ids = set(epci.communes.values_list("departement_id", flat=True)) - {None}
        organisation.departements.set(departement_ids)
    return organisation


def organisation_for_commune(commune: Commune) -> Organisation:
    """The commune's organisation ("Commune du Havre"), created on first need."""
    organisation = Organisation.objects.filter(commune=commune).first()
    if organisation is None:
        organisation = Organisation.objects.create(
            kind=Organisation.Kind.COMMUNE,
            name=f"Commune {commune.name_with_de}",
            siren=commune.siren,
            commune=commune,
        )
        if commune.departement_id:
            organisation.departements.set([commune.departement_id])
    return organisation


def add_member(organisation: Organisation, user, role: str) -> Membership:
    """Make `user` a member with `role`, or change their role if they already are one."""
    membership, created = Membership.objects.get_or_create(
        organisation=organisation, user=user, defaults={"role": role}
    )
    if not created and membership.role != role:
        membership.role = role
        membership.save(update_fields=["role"])
    return membership


def invite_member(*, organisation: Organisation, email: str, role: str, invited_by) -> Invitation:
    """Issue a single-use invitation and e-mail its link once the transaction commits."""

    with transaction.atomic():
        invitation, token = Invitation.issue(organisation=organisation, email=email, role=role, invited_by=invited_by)
        queue_email(
            to=invitation.email,
            template="emails/invitation",
            context={
                "invitation": invitation,
                "organisation": organisation,
                "invited_by": invited_by,
                "role_label": invitation.get_role_display(),
                "path": reverse("accept_invitation", kwargs={"token": token}),
            },
        )
    return invitation


def accept_invitation(invitation: Invitation, user) -> Membership:
    """Use the invitation for `user` (whose e-mail must be the invited one), exactly once."""
    if user.email.lower() != invitation.email.lower():
        raise InvitationError(
            "Cette invitation a été envoyée à une autre adresse e-mail. "
            "Déconnectez-vous puis ouvrez de nouveau le lien."
        )
    with transaction.atomic():
        claimed = Invitation.objects.pending().filter(pk=invitation.pk).update(accepted_at=timezone.now())
        if not claimed:
            raise InvitationError("Cette invitation a déjà été utilisée, a expiré ou a été annulée.")
        try:
            return add_member(invitation.organisation, user, invitation.role)
        except IntegrityError as error:  # a concurrent acceptance by the same user
            raise InvitationError("Vous êtes déjà membre de cette organisation.") from error


def revoke_invitation(invitation: Invitation) -> bool:
    return bool(Invitation.objects.pending().filter(pk=invitation.pk).update(revoked_at=timezone.now()))
