from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.db import transaction
from django.db.models import Case, Exists, F, OuterRef, Value, When
from django.http import Http404, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from ctg.lib.permissions import get_object_for_user, may
from territories import proconnect, services
from territories.forms import (
    AccountCreationForm,
    InvitationForm,
    MembershipRoleForm,
    OrganisationIdentityForm,
    ProfileForm,
)
from territories.models import EPCI, Commune, Departement, Invitation, Organisation, Role, User

AUTOCOMPLETE_LIMIT = 15
MANAGE = "territories.manage_organisation"


@require_GET
def territory_search(request):
    """EPCI and communes by name (accents and case ignored), SIREN or INSEE code.

    JSON for scripts and forms; an htmx request gets the list of suggestions as HTML."""
    query = request.GET.get("q") or request.GET.get("territory", "")
    kind = request.GET.get("type", "")
    results = []
    # The user's own départements first (a Caf adviser looks for her territory, not a namesake).
    home = Departement.objects.filter(
        organisations__memberships__user=request.user, organisations__is_active=True
    ).values("pk")
    if len(query.strip()) >= 2:
        if kind in ("", "epci"):
            in_home = Exists(Commune.objects.filter(epci=OuterRef("pk"), departement_id__in=home))
            epcis = (
                EPCI.objects.search(query)
                .annotate(in_home=in_home)
                .order_by("-in_home", "-population")[:AUTOCOMPLETE_LIMIT]
            )
            results += [
                {
                    "type": "epci",
                    "id": e.pk,
                    "code": e.siren,
                    "name": e.name,
                    "label": f"{e.name} ({e.get_kind_display()}, SIREN {e.siren})",
                }
                for e in epcis
            ]
        if kind in ("", "commune"):
            communes = (
                Commune.objects.search(query)
                .select_related("departement")
                # A commune without a département (Saint-Martin…) is not at home: never NULL.
                .annotate(in_home=Case(When(departement_id__in=home, then=Value(True)), default=Value(False)))
                .order_by("-in_home", "-population")[:AUTOCOMPLETE_LIMIT]
            )
            results += [
                {
                    "type": "commune",
                    "id": c.pk,
                    "code": c.code,
                    "name": c.name,
                    "label": f"{c.name} ({c.departement.code if c.departement else '—'}, INSEE {c.code})",
                }
                for c in communes
            ]
    if request.htmx:
        return render(request, "territories/includes/_search_results.html", {"results": results, "query": query})
    return JsonResponse({"results": results})


def organisation_detail(request, organisation_pk):
    organisation = get_object_for_user(request.user, Organisation, pk=organisation_pk)
    return _render_organisation(request, organisation)


@require_POST
def invite_member(request, organisation_pk):
    organisation = get_object_for_user(request.user, Organisation, MANAGE, pk=organisation_pk)
    form = InvitationForm(request.POST, organisation=organisation)
    if not form.is_valid():
        return _render_organisation(request, organisation, form=form, status=400)
    invitation = services.invite_member(
        organisation=organisation,
        email=form.cleaned_data["email"],
        role=form.cleaned_data["role"],
        invited_by=request.user,
    )
    messages.success(request, f"Invitation envoyée à {invitation.email}.")
    return redirect(organisation_detail_url(organisation))


def organisation_edit(request, organisation_pk):
    """The organisation's admin corrects its SIRET and contact address."""
    organisation = get_object_for_user(request.user, Organisation, MANAGE, pk=organisation_pk)
    form = OrganisationIdentityForm(request.POST or None, instance=organisation)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, f"Identité de {organisation.name} enregistrée.")
        return redirect(organisation_detail_url(organisation))
    return render(
        request,
        "territories/organisation_form.html",
        {"organisation": organisation, "form": form},
        status=400 if form.errors else 200,
    )


def _render_organisation(request, organisation, form=None, status=200):
    can_manage = may(request.user, MANAGE, organisation)
    context = {
        "organisation": organisation,
        "memberships": organisation.memberships.select_related("user").order_by("user__last_name", "user__email"),
        "departements": organisation.departements.all(),
        "can_manage": can_manage,
        "role_choices": Role.choices_for(organisation.kind),
    }
    if can_manage:
        context["invitations"] = organisation.invitations.pending().select_related("invited_by")
        context["join_requests"] = organisation.join_requests.pending().select_related("user")
        context["form"] = form or InvitationForm(organisation=organisation)
    return render(request, "territories/organisation_detail.html", context, status=status)


@require_POST
def revoke_invitation(request, organisation_pk, invitation_pk):
    organisation = get_object_for_user(request.user, Organisation, MANAGE, pk=organisation_pk)
    invitation = get_object_or_404(organisation.invitations, pk=invitation_pk)
    if services.revoke_invitation(invitation):
        messages.success(request, f"L'invitation de {invitation.email} est annulée.")
    else:
        messages.error(request, "Cette invitation n'est plus en attente.")
    return redirect(organisation_detail_url(organisation))


@require_POST
def change_member_role(request, organisation_pk, membership_pk):
    organisation = get_object_for_user(request.user, Organisation, MANAGE, pk=organisation_pk)
    membership = get_object_or_404(organisation.memberships.select_related("user"), pk=membership_pk)
    form = MembershipRoleForm(request.POST, instance=membership)
    if membership.user_id == request.user.pk:
        messages.error(request, "Vous ne pouvez pas changer votre propre rôle : demandez-le à un autre administrateur.")
    elif form.is_valid():
        form.save()
        messages.success(request, f"Le rôle de {membership.user} est maintenant « {membership.get_role_display()} ».")
    else:
        messages.error(request, "Rôle inconnu : rien n'a été modifié.")
    return redirect(organisation_detail_url(organisation))


@require_POST
def remove_member(request, organisation_pk, membership_pk):
    organisation = get_object_for_user(request.user, Organisation, MANAGE, pk=organisation_pk)
    membership = get_object_or_404(organisation.memberships.select_related("user"), pk=membership_pk)
    if membership.user_id == request.user.pk:
        messages.error(request, "Vous ne pouvez pas vous retirer vous-même de l'organisation.")
    else:
        membership.delete()
        messages.success(request, f"{membership.user} n'est plus membre de {organisation}.")
    return redirect(organisation_detail_url(organisation))


@login_not_required
def accept_invitation(request, token):
    """The link of the invitation e-mail: join the organisation, creating the account if needed."""
    invitation = Invitation.objects.by_token(token).select_related("organisation").first()
    if invitation is None or not invitation.is_usable:
        return render(request, "territories/invitation_invalid.html", {"invitation": invitation}, status=410)

    existing_user = User.objects.filter(email__iexact=invitation.email).first()
    if request.user.is_authenticated or existing_user is not None:
        if not request.user.is_authenticated:
            messages.info(request, "Connectez-vous pour accepter l'invitation.")
            return redirect(f"{reverse('login')}?next={request.path}")
        if request.method == "POST":
            try:
                services.accept_invitation(invitation, request.user)
            except services.InvitationError as error:
                messages.error(request, str(error))
                return redirect("home")
            messages.success(request, f"Vous êtes maintenant membre de {invitation.organisation}.")
            return redirect(invitation.return_path or "home")
        return render(request, "territories/invitation_accept.html", {"invitation": invitation})

    form = AccountCreationForm(request.POST or None, email=invitation.email)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                user = form.save()
                services.accept_invitation(invitation, user)
        except services.InvitationError as error:
            messages.error(request, str(error))
            return redirect("login")
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, f"Bienvenue ! Vous êtes membre de {invitation.organisation}.")
        return redirect(invitation.return_path or "home")
    return render(request, "territories/invitation_signup.html", {"invitation": invitation, "form": form})


def organisation_detail_url(organisation):
    return reverse("organisation_detail", kwargs={"organisation_pk": organisation.pk})


# --- ProConnect -------------------------------------------------------------------------------

PROCONNECT_NEXT_SESSION_KEY = "proconnect_next"


@login_not_required
@require_GET
def proconnect_login(request):
    """Off to ProConnect; `next` (a local address) is where the agent lands afterwards."""
    if not proconnect.is_enabled():
        raise Http404
    next_url = request.GET.get("next", "")
    if next_url and url_has_allowed_host_and_scheme(next_url, {request.get_host()}, require_https=request.is_secure()):
        request.session[PROCONNECT_NEXT_SESSION_KEY] = next_url
    else:
        request.session.pop(PROCONNECT_NEXT_SESSION_KEY, None)
    try:
        return proconnect.authorize_redirect(request, request.build_absolute_uri(reverse("proconnect_callback")))
    except proconnect.ProConnectError as error:
        messages.error(request, str(error))
        return redirect("login")


@login_not_required
@require_GET
def proconnect_callback(request):
    """Back from ProConnect: sign the agent in (or link the identity to the signed-in account)."""
    if not proconnect.is_enabled():
        raise Http404
    linking = request.user.is_authenticated
    try:
        claims, id_token = proconnect.complete_login(request)
        user = services.user_for_proconnect(claims, signed_in_user=request.user)
    except (proconnect.ProConnectError, services.AccountLinkError) as error:
        messages.error(request, str(error))
        return redirect("profile" if linking else "login")
    next_url = request.session.pop(PROCONNECT_NEXT_SESSION_KEY, "")
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    request.session[proconnect.ID_TOKEN_SESSION_KEY] = id_token
    if linking:
        messages.success(request, "Votre compte est maintenant associé à votre identité ProConnect.")
        return redirect(next_url or "profile")
    if not next_url and not user.memberships.exists():
        next_url = reverse("join_organisation")
    return redirect(next_url or "home")


class LogoutView(auth_views.LogoutView):
    """Signing out of the platform; after a ProConnect login, of ProConnect's session too."""

    def post(self, request, *args, **kwargs):
        id_token = request.session.get(proconnect.ID_TOKEN_SESSION_KEY)
        response = super().post(request, *args, **kwargs)
        return _out_of_proconnect_too(request, id_token) or response


# --- Profile ----------------------------------------------------------------------------------


def profile(request):
    """Who I am on the platform: name, organisations and roles, e-mails I get, what awaits me."""
    user = request.user
    form = ProfileForm(request.POST or None, instance=user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Profil enregistré.")
        return redirect("profile")
    context = {
        "form": form,
        "memberships": user.memberships.select_related("organisation").order_by("organisation__name"),
        "invitations": Invitation.objects.pending()
        .filter(email__iexact=user.email)
        .select_related("organisation", "invited_by"),
        "join_requests": user.join_requests.pending().select_related("organisation"),
    }
    return render(request, "territories/profile.html", context, status=400 if form.errors else 200)


@require_POST
def accept_pending_invitation(request, invitation_pk):
    """An invitation to the signed-in user's own address, accepted from the profile page."""
    invitation = get_object_or_404(
        Invitation.objects.pending().filter(email__iexact=request.user.email).select_related("organisation"),
        pk=invitation_pk,
    )
    try:
        services.accept_invitation(invitation, request.user)
    except services.InvitationError as error:
        messages.error(request, str(error))
        return redirect("profile")
    messages.success(request, f"Vous êtes maintenant membre de {invitation.organisation}.")
    return redirect(invitation.return_path or "home")


@require_POST
def sign_out_everywhere(request):
    """End every session of the account (other browsers, a lost phone), this one included."""
    user = request.user
    id_token = request.session.get(proconnect.ID_TOKEN_SESSION_KEY)
    User.objects.filter(pk=user.pk).update(session_generation=F("session_generation") + 1)
    logout(request)
    messages.success(request, "Vous êtes déconnecté·e de tous vos appareils.")
    return _out_of_proconnect_too(request, id_token) or redirect("login")


def _out_of_proconnect_too(request, id_token):
    """After signing out here, the redirection that ends the ProConnect session (None if none)."""
    if not (id_token and proconnect.is_enabled()):
        return None
    provider_url = proconnect.logout_url(id_token, request.build_absolute_uri(reverse("login")))
    return HttpResponseRedirect(provider_url) if provider_url else None
