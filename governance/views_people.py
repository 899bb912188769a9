"""Pages that bring people in: asking to join one's organisation, deciding on such a request,
inviting the staff of a convention's parties."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from ctg.models import Convention
from ctg.permissions import get_convention_for
from governance import people
from governance.forms import ConventionInvitationForm, JoinDecisionForm, JoinForm
from territories import services as territory_services
from territories.models import JoinRequest


def join_organisation(request):
    """An agent (typically just signed in with ProConnect) asks to join their organisation."""
    user = request.user
    form = JoinForm(request.POST or None, initial={"siret": user.proconnect_siret})
    if request.method == "POST" and form.is_valid():
        try:
            deciders = people.request_to_join(
                user, form.organisation, siret=form.cleaned_data["siret"], message=form.cleaned_data["message"]
            )
        except people.PeopleError as error:
            messages.error(request, str(error))
        else:
            messages.success(
                request,
                f"Votre demande pour rejoindre {form.organisation.name} est envoyée"
                + (
                    " : vous recevrez un courriel quand elle aura été acceptée."
                    if deciders
                    else ". Personne ne peut encore l'accepter : demandez à votre conseiller·ère Caf de vous inviter."
                ),
            )
            return redirect("profile")
    suggested = None
    if user.proconnect_siret and request.method == "GET":
        suggested = territory_services.organisation_for_siret(user.proconnect_siret)
    return render(
        request,
        "governance/join_organisation.html",
        {
            "form": form,
            "suggested": suggested,
            "memberships": user.memberships.select_related("organisation"),
            "pending": user.join_requests.pending().select_related("organisation"),
        },
        status=400 if form.errors else 200,
    )


def join_request_decide(request, join_request_pk):
    join_request = get_object_or_404(JoinRequest.objects.select_related("user", "organisation"), pk=join_request_pk)
    if not people.may_decide(request.user, join_request):
        raise Http404
    form = JoinDecisionForm(request.POST or None, organisation=join_request.organisation)
    if request.method == "POST" and join_request.status == JoinRequest.Status.PENDING:
        accept = request.POST.get("decision") == "accept"
        if not accept or form.is_valid():
            try:
                people.decide(join_request, by=request.user, accept=accept, role=form.data.get("role", ""))
            except people.PeopleError as error:
                messages.error(request, str(error))
            else:
                verb = "est maintenant membre de" if accept else "ne rejoint pas"
                messages.success(request, f"{join_request.user} {verb} {join_request.organisation.name}.")
                return redirect("home")
    return render(
        request,
        "governance/join_request_decide.html",
        {
            "join_request": join_request,
            "form": form,
            "has_admin": people.organisation_has_admin(join_request.organisation),
        },
        status=400 if form.errors else 200,
    )


@require_POST
def join_request_cancel(request, join_request_pk):
    join_request = get_object_or_404(request.user.join_requests, pk=join_request_pk)
    if people.cancel(join_request):
        messages.success(request, f"Votre demande pour rejoindre {join_request.organisation.name} est retirée.")
    return redirect("profile")


@require_POST
def convention_invite(request, convention_pk):
    convention = get_convention_for(request.user, Convention.objects.with_territory(), convention_pk)
    if not convention.access.may_invite_people:
        raise PermissionDenied
    form = ConventionInvitationForm(request.POST, convention=convention)
    if form.is_valid():
        try:
            invitation = people.invite_to_convention(
                convention,
                form.cleaned_data["organisation"],
                email=form.cleaned_data["email"],
                role=form.role(),
                by=request.user,
            )
        except people.PeopleError as error:
            messages.error(request, str(error))
        else:
            messages.success(
                request,
                f"Invitation envoyée à {invitation.email} ({invitation.organisation.name}, "
                f"rôle « {invitation.get_role_display()} »).",
            )
    else:
        messages.error(request, " ".join(error for errors in form.errors.values() for error in errors))
    return redirect("party_list", convention_pk=convention.pk)


@require_POST
def convention_invitation_revoke(request, convention_pk, invitation_pk):
    convention = get_convention_for(request.user, Convention.objects.with_territory(), convention_pk)
    if not convention.access.may_invite_people:
        raise PermissionDenied
    invitation = get_object_or_404(people.pending_invitations(convention), pk=invitation_pk)
    if territory_services.revoke_invitation(invitation):
        messages.success(request, f"L'invitation de {invitation.email} est annulée.")
    return redirect("party_list", convention_pk=convention.pk)
