"""Organisations, members and invitations: the rules that change them."""

from django.contrib.auth.models import Group
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from guardian.shortcuts import assign_perm

from ctg.lib.mail import queue_email
from territories import proconnect
from territories.identifiers import siret_error
from territories.models import EPCI, Commune, Invitation, Membership, Organisation, Role, User


class InvitationError(Exception):
    """An invitation that cannot be used; the message is for the user, in French."""


class AccountLinkError(Exception):
    """A ProConnect identity that cannot be matched to an account; the message is in French."""


def user_for_proconnect(claims: dict, *, signed_in_user=None) -> User:
    """The account of a verified ProConnect identity, matched on `sub` only.

    A known `sub` signs its account in (names and SIRET refreshed). A signed-in user who comes
    back from ProConnect links the identity to their own account. An unknown `sub` whose e-mail
    belongs to an existing account is refused: the e-mail proves nothing about who holds that
    account, its owner links ProConnect from their profile after signing in. Otherwise a new
    account is created, without a password."""
    sub = claims["sub"]
    email = (claims.get("email") or "").strip().lower()
    siret = "".join((claims.get("siret") or "").split())
    names = {"first_name": (claims.get("given_name") or "")[:150], "last_name": (claims.get("usual_name") or "")[:150]}
    with transaction.atomic():
        user = User.objects.select_for_update().filter(proconnect_sub=sub).first()
        if user is not None:
            if not user.is_active:
                raise AccountLinkError(
                    "Ce compte est désactivé. Contactez l'administrateur·rice de votre organisation."
                )
            if signed_in_user is not None and signed_in_user.is_authenticated and signed_in_user.pk != user.pk:
                raise AccountLinkError("Cette identité ProConnect est déjà associée à un autre compte.")
            _refresh_from_claims(user, names, siret, email)
            adopt_proconnect_siret(user)
            return user
        if signed_in_user is not None and signed_in_user.is_authenticated:
            if signed_in_user.proconnect_sub:
                raise AccountLinkError("Votre compte est déjà associé à une autre identité ProConnect.")
            signed_in_user.proconnect_sub = sub
            signed_in_user.proconnect_siret = siret
            signed_in_user.save(update_fields=["proconnect_sub", "proconnect_siret"])
            adopt_proconnect_siret(signed_in_user)
            return signed_in_user
        if not email:
            raise AccountLinkError("ProConnect n'a pas transmis d'adresse e-mail : impossible de créer le compte.")
        if User.objects.filter(email__iexact=email).exists():
            raise AccountLinkError(
                f"Un compte existe déjà avec l'adresse {email}. Connectez-vous avec votre mot de passe "
                "(ou demandez-en un nouveau), puis associez ProConnect depuis votre profil."
            )
        return User.objects.create_user(email=email, password=None, proconnect_sub=sub, proconnect_siret=siret, **names)


def _refresh_from_claims(user: User, names: dict, siret: str, email: str) -> None:
    changed = [field for field, value in names.items() if value and getattr(user, field) != value]
    for field in changed:
        setattr(user, field, names[field])
    if siret != user.proconnect_siret:
        user.proconnect_siret = siret
        changed.append("proconnect_siret")
    # The professional address follows ProConnect unless another account already holds it.
    if email and email != user.email and not User.objects.filter(email__iexact=email).exists():
        user.email = email
        changed.append("email")
    if changed:
        user.save(update_fields=changed)


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
    adopt_proconnect_siret(user)
    return membership


def adopt_proconnect_siret(user) -> None:
    """An organisation without a SIRET takes the one ProConnect certified for its member's
    establishment, when it is the organisation's (same SIREN, valid key): the open-data
    exports need it, and nobody has to type it."""
    siret = user.proconnect_siret
    if siret and not siret_error(siret):
        Organisation.objects.filter(siren=siret[:9], siret="", memberships__user=user).update(siret=siret)


def invite_member(
    *, organisation: Organisation, email: str, role: str, invited_by, invited_for: str = "", return_path: str = ""
) -> Invitation:
    """Issue a single-use invitation and e-mail its link once the transaction commits.

    `invited_for` says in the e-mail what the person is invited for (a convention), and
    `return_path` is where accepting leads."""

    with transaction.atomic():
        invitation, token = Invitation.issue(
            organisation=organisation,
            email=email,
            role=role,
            invited_by=invited_by,
            invited_for=invited_for,
            return_path=return_path,
        )
        queue_email(
            to=invitation.email,
            template="emails/invitation",
            context={
                "invitation": invitation,
                "organisation": organisation,
                "invited_by": invited_by,
                "role_label": invitation.get_role_display(),
                "path": reverse("accept_invitation", kwargs={"token": token}),
                "proconnect_enabled": proconnect.is_enabled(),
            },
        )
    return invitation


def organisation_for_siret(siret: str) -> Organisation | None:
    """The organisation a SIRET belongs to, by its first nine digits (the SIREN): an organisation
    already on the platform (Caf, partner, local authority), else the commune or the EPCI of
    the geography, whose organisation is created then."""
    siren = "".join(siret.split())[:9]
    if len(siren) != 9 or not siren.isdigit():
        return None
    organisation = Organisation.objects.filter(siren=siren, is_active=True).order_by("pk").first()
    if organisation is not None:
        return organisation
    if commune := Commune.objects.filter(siren=siren).first():
        return organisation_for_commune(commune)
    if epci := EPCI.objects.filter(siren=siren).first():
        return organisation_for_epci(epci)
    return None


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
