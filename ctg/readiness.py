"""What a convention needs before its partners read it (« relecture »): a checklist the
overview shows, and the move to review that refuses an incomplete text and tells the parties."""

from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count, Exists, Q
from django.urls import reverse

from actions.models import ActionSheet, Axis, Objective
from ctg.lib.mail import queue_email
from ctg.lifecycle import Status, TransitionError
from ctg.models import Convention
from diagnostics.models import Diagnostic, Finding
from territories.models import Membership


@dataclass(frozen=True)
class Check:
    label: str
    done: bool
    missing: str  # what to do, in French, when not done
    url: str
    required: bool = True


def _names(names, limit=3) -> str:
    names = list(names)
    shown = ", ".join(names[:limit])
    return shown + (f" et {len(names) - limit} de plus" if len(names) > limit else "")


def _sheets(count: int) -> str:
    return f"{count} fiche{'s' if count > 1 else ''}"


def review_checklist(convention: Convention) -> list[Check]:
    """Six checks in five queries, whatever the size of the plan."""
    pk = convention.pk
    parties = list(convention.parties.values_list("organisation__kind", "organisation__name", "representative_title"))
    territory_kind = "epci" if convention.epci_id else "commune"
    summary, has_findings = Diagnostic.objects.filter(convention=convention).values_list(
        "summary", Exists(Finding.objects.filter(convention=convention))
    ).first() or ("", False)
    axes = list(
        Axis.objects.filter(convention=convention).annotate(count=Count("objectives")).values_list("title", "count")
    )
    empty_axes = [title for title, count in axes if not count]
    empty_objectives = list(
        Objective.objects.filter(convention=convention)
        .annotate(sheets_count=Count("sheets"))
        .filter(sheets_count=0)
        .values_list("title", flat=True)
    )
    sheets = ActionSheet.objects.filter(convention=convention).aggregate(
        total=Count("pk"),
        without_pilot=Count("pk", filter=Q(pilot__isnull=True)),
        without_dates=Count("pk", filter=Q(start_date__isnull=True) | Q(end_date__isnull=True)),
    )
    untitled = [name for _kind, name, title in parties if not title.strip()]
    plan_url = reverse("plan_detail", kwargs={"convention_pk": pk})
    parties_url = reverse("party_list", kwargs={"convention_pk": pk})
    if not axes or not sheets["total"]:
        plan_missing = "Ajoutez au moins un axe, un objectif et une fiche action."
    elif empty_axes:
        plan_missing = f"Axe sans objectif : {_names(empty_axes)}."
    else:
        plan_missing = f"Objectif sans fiche action : {_names(empty_objectives)}."
    return [
        Check(
            "Le territoire et la Caf sont signataires",
            any(kind == territory_kind for kind, _name, _title in parties) and any(k == "caf" for k, *_ in parties),
            "Cochez l'intercommunalité ou la commune et la Caf dans les parties.",
            parties_url,
        ),
        Check(
            "Le diagnostic partagé est rédigé",
            bool(summary.strip()) or has_findings,
            "Rédigez la synthèse du diagnostic ou ajoutez au moins un constat.",
            reverse("diagnostic_detail", kwargs={"convention_pk": pk}),
        ),
        Check(
            "Chaque axe a ses objectifs et chaque objectif ses fiches action",
            bool(axes and sheets["total"]) and not empty_axes and not empty_objectives,
            plan_missing,
            plan_url,
        ),
        Check(
            "Chaque signataire a sa qualité (« Le Maire »…)",
            not untitled,
            f"Qualité à indiquer pour : {_names(untitled)}.",
            parties_url,
            required=False,
        ),
        Check(
            "Chaque fiche action a un pilote",
            sheets["total"] > 0 and not sheets["without_pilot"],
            f"{_sheets(sheets['without_pilot'])} sans pilote.",
            plan_url,
            required=False,
        ),
        Check(
            "Chaque fiche action a son calendrier",
            sheets["total"] > 0 and not sheets["without_dates"],
            f"{_sheets(sheets['without_dates'])} sans date de début ou de fin.",
            plan_url,
            required=False,
        ),
    ]


def submit_for_review(convention: Convention, *, by=None) -> int:
    """Move the convention to review when nothing required is missing, and tell every member of
    every party (but the one who asked) that the text awaits their reading; how many were told."""
    missing = [check.missing for check in review_checklist(convention) if check.required and not check.done]
    if missing:
        raise TransitionError("Avant la relecture : " + " ".join(missing))
    with transaction.atomic():
        convention.transition(Status.REVIEW, by=by)
        readers = {
            membership.user
            for membership in Membership.objects.effective()
            .filter(organisation__parties__convention=convention)
            .exclude(user=by)
            .select_related("user")
        }
        for reader in sorted(readers, key=lambda user: user.email):
            queue_email(
                to=reader.email,
                template="emails/review_started",
                context={"user": reader, "convention": convention, "path": convention.get_absolute_url()},
            )
    return len(readers)
