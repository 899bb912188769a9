"""What concerns a user now: signatures to give, deliberations to record, sheets to update,
recent comments. Computed with a fixed number of queries; also sent as a weekly digest."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone

from actions.models import ActionSheet
from ctg.lib.mail import queue_email
from ctg.lifecycle import Status
from ctg.models import Comment, Convention
from governance.models import Deliberation, PartyInvitation, SignatureRequest
from territories.models import Membership, Role, User


@dataclass
class Notification:
    kind: str
    text: str
    url: str
    date: datetime | None = None


def notifications_for(user, now=None) -> list[Notification]:
    memberships = list(
        Membership.objects.effective()
        .filter(user=user)
        .exclude(role=Role.VIEWER)
        .values_list("organisation_id", "role", "organisation__epci_id", "organisation__commune_id")
    )
    organisations = [organisation for organisation, *_ in memberships]
    administered = [organisation for organisation, role, *_ in memberships if role == Role.ADMIN]
    # The conventions the user runs or coordinates: their CAF's, their territory's.
    territories = Q(convention__caf_id__in=organisations)
    for _organisation, _role, epci_id, commune_id in memberships:
        if epci_id:
            territories |= Q(convention__epci_id=epci_id)
        if commune_id:
            territories |= Q(convention__commune_id=commune_id)
    items = []
    for invitation in PartyInvitation.objects.awaiting(user).select_related("convention", "organisation"):
        items.append(
            Notification(
                "invitation",
                f"{invitation.organisation.name} est invitée à être partie : {invitation.convention.title}",
                reverse("party_invitation", kwargs={"party_invitation_pk": invitation.pk}),
                invitation.created_at,
            )
        )
    # The designated signatories sign; an organisation's admins are asked to designate them.
    delegation = (
        Q(party__delegate_account__isnull=False, party__delegation_date__isnull=False)
        & ~Q(party__delegate_name="")
        & ~Q(party__delegation_order="")
    )
    signing = Q(party__executive_account=user) | (Q(party__delegate_account=user) & delegation)
    undesignated = Q(party__organisation_id__in=administered, party__executive_account__isnull=True) & ~delegation
    for request in (
        SignatureRequest.objects.filter(status="open", party__organisation_id__in=organisations)
        .filter(signing | undesignated)
        .select_related("convention", "party__organisation")
    ):
        designated = request.party.signs_as(user.pk) is not None
        items.append(
            Notification(
                "signature",
                (
                    f"Signature attendue pour {request.party.organisation.name} : {request.convention.title}"
                    if designated
                    else f"Désignez qui signe pour {request.party.organisation.name} : {request.convention.title}"
                ),
                reverse("workflow", kwargs={"convention_pk": request.convention_id})
                if designated
                else reverse(
                    "party_signatory", kwargs={"convention_pk": request.convention_id, "party_pk": request.party_id}
                ),
                request.opened_at,
            )
        )
    for deliberation in Deliberation.objects.filter(
        outcome__in=["pending", "rejected"], party__organisation_id__in=organisations
    ).select_related("convention", "party__organisation"):
        items.append(
            Notification(
                "deliberation",
                f"Délibération à enregistrer pour {deliberation.party.organisation.name} : {deliberation.convention.title}",
                reverse("deliberation_list", kwargs={"convention_pk": deliberation.convention_id}),
                None,
            )
        )
    for sheet in (
        ActionSheet.objects.stale(now)
        .filter(pilot_id__in=organisations)
        .piloted_by_a_party()
        .with_numbers()
        .select_related("convention")
    ):
        items.append(
            Notification(
                "sheet",
                f"Fiche à mettre à jour : {sheet.number} {sheet.title} ({sheet.convention.title})",
                reverse("sheet_follow_up", kwargs={"convention_pk": sheet.convention_id, "sheet_pk": sheet.pk}),
                sheet.followed_up_at,
            )
        )
    for late in (
        ActionSheet.objects.late(timezone.localdate(now) if now else None)
        .filter(Q(pilot_id__in=organisations) | territories)
        .exclude(convention__status=Status.ENDED)
        .values("convention_id", "convention__title")
        .annotate(count=Count("pk"))
        .order_by("convention__title")
    ):
        count = late["count"]
        items.append(
            Notification(
                "late",
                f"{count} fiche{'s' if count > 1 else ''} en retard : {late['convention__title']}",
                reverse("plan_detail", kwargs={"convention_pk": late["convention_id"]}),
                None,
            )
        )
    since = timezone.now() - timedelta(days=14)
    visible = Convention.objects.for_user(user)
    for comment in (
        Comment.objects.filter(convention__in=visible, created_at__gte=since)
        .exclude(author=user)
        .select_related("convention", "author", "organisation")
        .order_by("-created_at")[:20]
    ):
        who = comment.organisation.name if comment.organisation else str(comment.author or "")
        items.append(
            Notification(
                "comment",
                f"Commentaire de {who} sur {comment.convention.title} : {comment.text[:120]}",
                comment.convention.get_absolute_url(),
                comment.created_at,
            )
        )
    return items


def send_weekly_digests(now=None) -> int:
    """One e-mail a week to each user who asked for it and has something to read."""

    now = now or timezone.now()
    sent = 0
    for user in User.objects.filter(is_active=True, weekly_digest=True).filter(
        Q(digest_sent_at__isnull=True) | Q(digest_sent_at__lt=now - timedelta(days=6))
    ):
        items = notifications_for(user, now)
        if not items:
            continue
        with transaction.atomic():
            if User.objects.filter(pk=user.pk, digest_sent_at=user.digest_sent_at).update(digest_sent_at=now):
                queue_email(
                    to=user.email,
                    template="emails/weekly_digest",
                    context={"user": user, "items": items, "path": reverse("notifications")},
                )
                sent += 1
    return sent
