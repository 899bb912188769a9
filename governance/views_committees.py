"""Committees of a convention and their meetings; what changed since the last COPIL."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from actions.models import SheetUpdate
from ctg.models import Convention
from ctg.permissions import get_convention_for
from governance.forms import CommitteeForm, MeetingForm
from governance.models import Committee, Meeting
from governance.views_workflow import _file


def committee_list(request, convention_pk):
    convention = get_convention_for(request.user, Convention.objects.with_territory(), convention_pk)
    committees = convention.committees.prefetch_related("organisations", "people", "meetings__sheets__objective__axis")
    last_steering = (
        Meeting.objects.filter(convention=convention, committee__kind=Committee.Kind.STEERING).order_by("-date").first()
    )
    changes = SheetUpdate.objects.filter(convention=convention).select_related(
        "sheet__objective__axis", "author", "organisation"
    )
    if last_steering:
        changes = changes.filter(created_at__date__gt=last_steering.date)
    return render(
        request,
        "governance/committee_list.html",
        {
            "convention": convention,
            "committees": committees,
            "last_steering": last_steering,
            "changes": changes[:100],
            "may_run": convention.access.can_run_committees,
            "review_year": min(max(timezone.localdate().year, convention.start_date.year), convention.end_date.year),
        },
    )


def committee_create(request, convention_pk):
    convention = get_convention_for(request.user, Convention.objects.with_territory(), convention_pk)
    if not convention.access.can_run_committees:
        raise PermissionDenied("Les comités sont organisés par la Caf et l'intercommunalité.")
    form = CommitteeForm(request.POST or None, convention=convention)
    if request.method == "POST" and form.is_valid():
        committee = form.save(commit=False)
        committee.convention = convention
        committee.save()
        form.save_m2m()
        messages.success(request, f"{committee} créé.")
        return redirect("committee_list", convention_pk=convention.pk)
    return render(
        request,
        "ctg/part_form.html",
        {
            "convention": convention,
            "form": form,
            "object": None,
            "label": "comité",
            "heading": "Ajouter un comité",
            "cancel_url_name": "committee_list",
        },
        status=400 if form.errors else 200,
    )


def meeting_edit(request, convention_pk, committee_pk, meeting_pk=None):
    convention = get_convention_for(request.user, Convention.objects.with_territory(), convention_pk)
    if not convention.access.can_run_committees:
        raise PermissionDenied("Les comités sont organisés par la Caf et l'intercommunalité.")
    committee = get_object_or_404(convention.committees, pk=committee_pk)
    meeting = (
        get_object_or_404(committee.meetings, pk=meeting_pk)
        if meeting_pk
        else Meeting(committee=committee, convention=convention)
    )
    form = MeetingForm(request.POST or None, request.FILES or None, instance=meeting, convention=convention)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, f"Réunion du {form.instance.date:%d/%m/%Y} enregistrée.")
        return redirect("committee_list", convention_pk=convention.pk)
    return render(
        request,
        "governance/meeting_form.html",
        {"convention": convention, "committee": committee, "form": form, "meeting": meeting},
        status=400 if form.errors else 200,
    )


def meeting_minutes(request, convention_pk, meeting_pk):

    convention = get_convention_for(request.user, Convention.objects.all(), convention_pk)
    meeting = get_object_or_404(Meeting.objects.filter(convention=convention), pk=meeting_pk)
    if not meeting.minutes:
        raise Http404
    return _file(meeting.minutes, f"compte-rendu-{meeting.date:%Y-%m-%d}.pdf")
