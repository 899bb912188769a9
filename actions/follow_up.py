"""Follow-up of the sheets of a convention in force: pilots report, the log keeps it all."""

from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from actions.models import (
    ActionSheet,
    BudgetLine,
    EvaluationIndicator,
    FundingLine,
    IndicatorMeasure,
    SheetStatus,
    SheetUpdate,
    Step,
)
from ctg.lib.history import Change
from ctg.lib.mail import queue_email
from ctg.lib.typography import fr_number
from territories.models import Membership, Role


@transaction.atomic
def record_follow_up(sheet: ActionSheet, user, *, status, progress, note, spent=None, measures=None) -> SheetUpdate:
    """Update the sheet and keep a log entry; `spent` is {budget line id: amount},
    `measures` is {(indicator id, year): value}."""
    sheet = ActionSheet.objects.select_for_update(of=("self",)).get(pk=sheet.pk)
    figures = {}
    for line in BudgetLine.objects.filter(sheet=sheet, pk__in=(spent or {}).keys()):
        amount = spent[line.pk]
        if amount != line.spent:
            line.spent = amount
            line.skip_history_when_saving = True  # the follow-up's log entry records it
            line.save(update_fields=["spent"])
            figures[f"dépensé {line.year} {line.get_kind_display().lower()}"] = (
                str(amount) if amount is not None else ""
            )
    indicators = dict(sheet.evaluation_indicators.values_list("pk", "label"))
    for (indicator_id, year), value in (measures or {}).items():
        if value is None or indicator_id not in indicators:
            continue
        IndicatorMeasure.objects.update_or_create(
            indicator_id=indicator_id, year=year, defaults={"value": Decimal(value)}
        )
        figures[f"{indicators[indicator_id]} en {year}"] = str(value)
    membership = (
        Membership.objects.effective().filter(user=user, organisation_id=sheet.pilot_id).first()
        or Membership.objects.effective().filter(user=user, organisation__parties__convention=sheet.convention).first()
    )
    update = SheetUpdate.objects.create(
        convention_id=sheet.convention_id,
        sheet=sheet,
        author=user,
        organisation_id=membership.organisation_id if membership else None,
        note=note,
        status_before=sheet.status,
        status_after=status,
        progress_before=sheet.progress,
        progress_after=progress,
        figures=figures,
    )
    # The log entry above is this change's history (follow_up_changes): no copy of the sheet
    # and of its lists is written for it, as a save would.
    now = timezone.now()
    ActionSheet.objects.filter(pk=sheet.pk).update(status=status, progress=progress, followed_up_at=now, updated_at=now)
    sheet.status, sheet.progress, sheet.followed_up_at, sheet.updated_at = status, progress, now, now
    return update


# A sheet's lists, in its history and its convention's (a deleted sheet's too).
SHEET_LISTS = [
    ("étape", Step),
    ("ligne de budget", BudgetLine),
    ("financement", FundingLine),
    ("indicateur d'évaluation", EvaluationIndicator),
]


def sheet_lists_history(sheet_ids):
    """The histories of the lists of these sheets (steps, budget, funding, indicators)."""
    return [(label, model.history.filter(sheet_id__in=sheet_ids)) for label, model in SHEET_LISTS]


def follow_up_changes(updates) -> list[Change]:
    """The follow-ups of `updates` (SheetUpdate rows) as entries of a history page."""
    labels = dict(SheetStatus.choices)
    changes = []
    for update in updates.select_related("sheet", "author"):
        fields = []
        if update.status_before != update.status_after:
            fields.append(("statut", labels[update.status_before], labels[update.status_after]))
        if update.progress_before != update.progress_after:
            fields.append(("avancement", f"{update.progress_before} %", f"{update.progress_after} %"))
        for what, value in (update.figures or {}).items():
            fields.append((what, "", fr_number(value) if value else "—"))
        if update.note:
            fields.append(("point d'étape", "", update.note if len(update.note) <= 200 else update.note[:197] + "…"))
        changes.append(
            Change(
                date=update.created_at,
                user=update.author,
                kind="modification",
                label="fiche action",
                object_repr=update.sheet.title,
                reason="mise à jour de suivi",
                fields=fields,
            )
        )
    return changes


def remind_stale_sheets(now=None) -> int:
    """E-mail the pilots of the sheets "à mettre à jour", at most once per reminder interval;
    a conditional update makes a second run harmless."""
    from datetime import timedelta

    from django.conf import settings
    from django.db.models import Q
    from django.urls import reverse

    now = now or timezone.now()
    interval = timedelta(days=settings.REMINDER_INTERVAL_DAYS * 4)
    sent = 0
    stale = (
        ActionSheet.objects.stale(now)
        .piloted_by_a_party()
        .filter(Q(follow_up_reminded_at__isnull=True) | Q(follow_up_reminded_at__lt=now - interval))
        .select_related("convention", "pilot", "objective__axis")
    )
    for sheet in stale:
        with transaction.atomic():
            claimed = ActionSheet.objects.filter(pk=sheet.pk, follow_up_reminded_at=sheet.follow_up_reminded_at).update(
                follow_up_reminded_at=now
            )
            if not claimed:
                continue
            path = reverse("sheet_follow_up", kwargs={"convention_pk": sheet.convention_id, "sheet_pk": sheet.pk})
            for membership in (
                Membership.objects.effective()
                .filter(organisation_id=sheet.pilot_id)
                .exclude(role=Role.VIEWER)
                .select_related("user")
            ):
                queue_email(
                    to=membership.user.email,
                    template="emails/sheet_stale",
                    context={"user": membership.user, "sheet": sheet, "convention": sheet.convention, "path": path},
                )
            sent += 1
    return sent
