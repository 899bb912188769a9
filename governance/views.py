from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from ctg.lib.client import client_ip
from ctg.lib.files import file_response
from ctg.lib.typography import french_sort_key
from ctg.models import Convention
from ctg.permissions import get_convention_for
from governance import generation, people, services, workflows
from governance.forms import (
    AddPartnerForm,
    ConventionInvitationForm,
    KeepPartiesForm,
    PartyForm,
    PartySignatoryForm,
)
from governance.models import Document, PartyInvitation
from territories.models import Membership


def party_list(request, convention_pk):
    convention = get_convention_for(request.user, Convention.objects.with_territory(), convention_pk)
    can_manage = convention.access.can_manage_parties
    keep_form = KeepPartiesForm(
        convention=convention, initial={"keep": list(convention.parties.values_list("organisation_id", flat=True))}
    )
    parties = list(convention.parties.select_related("organisation").order_by("signing_group", "organisation__name"))
    for party in parties:
        party.may_designate = convention.access.may_designate_signatory(party)
    context = {
        "convention": convention,
        "parties": parties,
        "can_manage": can_manage,
        "keep_form": keep_form if can_manage else None,
        "partner_form": AddPartnerForm(convention=convention) if can_manage else None,
        "invitations": convention.party_invitations.pending().select_related("organisation", "invited_by"),
    }
    context["people_form"] = None
    if convention.access.may_invite_people:
        context["people_form"] = ConventionInvitationForm(convention=convention)
        context["people_invitations"] = people.pending_invitations(convention)
        context["invitation_validity_days"] = settings.INVITATION_VALIDITY_DAYS
    context["join_requests"] = people.decidable_by(request.user).filter(organisation__parties__convention=convention)
    return render(request, "governance/party_list.html", context)


def parties_saved_message(kept: int, added: int, removed: int) -> str:
    """ "3 parties signataires : 1 ajoutée, 29 retirées." """
    changes = [
        f"{count} {word}{'s' if count > 1 else ''}"
        for count, word in ((added, "ajoutée"), (removed, "retirée"))
        if count
    ]
    return f"{kept} partie{'s' if kept > 1 else ''} signataire{'s' if kept > 1 else ''}" + (
        f" : {', '.join(changes)}." if changes else ", sans changement."
    )


@require_POST
def party_keep(request, convention_pk):
    convention = get_convention_for(request.user, Convention.objects.with_territory(), convention_pk, "manage_draft")
    form = KeepPartiesForm(request.POST, convention=convention)
    if not form.is_valid():
        messages.error(request, " ".join(form.errors.get("keep", ["Sélection invalide."])))
        return redirect("party_list", convention_pk=convention.pk)
    kept = list(form.cleaned_data["keep"])
    before = set(convention.parties.values_list("organisation_id", flat=True))
    services.set_parties(convention, [(organisation, {}) for organisation in kept])
    added = len({o.pk for o in kept} - before)
    removed = len(before - {o.pk for o in kept})
    messages.success(request, parties_saved_message(len(kept), added, removed))
    return redirect("party_list", convention_pk=convention.pk)


@require_POST
def party_add(request, convention_pk):
    convention = get_convention_for(request.user, Convention.objects.with_territory(), convention_pk, "manage_draft")
    form = AddPartnerForm(request.POST, convention=convention)
    if form.is_valid():
        organisation = form.organisation_to_add(convention)
        try:
            added = services.propose_party(convention, organisation, by=request.user)
        except services.PartyError as error:
            messages.error(request, str(error))
        else:
            if isinstance(added, PartyInvitation) and services.organisation_admins(organisation):
                messages.info(
                    request,
                    f"{organisation.name} est invitée : elle deviendra partie quand son administrateur·rice aura accepté.",
                )
            elif isinstance(added, PartyInvitation):
                messages.warning(
                    request,
                    f"{organisation.name} est invitée, mais n'a pas encore d'administrateur·rice sur la plateforme : "
                    "l'invitation attend que l'un de ses membres le devienne.",
                )
            else:
                messages.success(request, f"{organisation.name} est maintenant partie à la convention.")
    else:
        messages.error(request, " ".join(error for errors in form.errors.values() for error in errors))
    return redirect("party_list", convention_pk=convention.pk)


def party_edit(request, convention_pk, party_pk):
    convention = get_convention_for(request.user, Convention.objects.with_territory(), convention_pk, "manage_draft")
    party = get_object_or_404(convention.parties.select_related("organisation"), pk=party_pk)
    party.convention = convention
    form = PartyForm(request.POST or None, instance=party)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, f"{party.organisation.name} : rang, délibération et engagements enregistrés.")
        return redirect("party_list", convention_pk=convention.pk)
    return render(request, "governance/party_form.html", {"convention": convention, "party": party, "form": form})


def party_signatory(request, convention_pk, party_pk):
    """Who signs for the party: the CAF's adviser or the party's own admin names them."""
    convention = get_convention_for(request.user, Convention.objects.with_territory(), convention_pk)
    party = get_object_or_404(
        convention.parties.select_related("organisation", "executive_account", "delegate_account"), pk=party_pk
    )
    if not convention.access.may_designate_signatory(party):
        raise PermissionDenied
    form = PartySignatoryForm(request.POST or None, instance=party)
    if request.method == "POST" and form.is_valid():
        try:
            workflows.designate_signatories(party, form.cleaned_data, by=request.user, ip=client_ip(request))
        except workflows.WorkflowError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, f"Signataires de {party.organisation.name} enregistrés.")
            return redirect("party_list", convention_pk=convention.pk)
    return render(
        request,
        "governance/party_signatory.html",
        {"convention": convention, "party": party, "form": form},
        status=400 if form.errors else 200,
    )


@require_POST
def party_remove(request, convention_pk, party_pk):
    convention = get_convention_for(request.user, Convention.objects.with_territory(), convention_pk, "manage_draft")
    party = get_object_or_404(convention.parties.select_related("organisation", "convention"), pk=party_pk)
    try:
        services.remove_party(party)
    except services.PartyError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"{party.organisation.name} n'est plus partie à la convention.")
    return redirect("party_list", convention_pk=convention.pk)


@require_POST
def party_invitation_withdraw(request, convention_pk, party_invitation_pk):
    convention = get_convention_for(request.user, Convention.objects.all(), convention_pk, "manage_draft")
    invitation = get_object_or_404(convention.party_invitations.select_related("organisation"), pk=party_invitation_pk)
    if services.withdraw_party_invitation(invitation, by=request.user):
        messages.success(request, f"Invitation de {invitation.organisation.name} retirée.")
    return redirect("party_list", convention_pk=convention.pk)


def party_invitation(request, party_invitation_pk):
    """What an organisation is invited to sign, for its admin to accept or decline (404 for anyone else)."""
    invitation = get_object_or_404(
        PartyInvitation.objects.select_related(
            "convention__caf", "convention__epci", "convention__commune", "organisation", "invited_by"
        ),
        pk=party_invitation_pk,
    )
    if not services.may_answer(request.user, invitation):
        raise Http404("Aucune invitation à cette adresse.")
    if request.method == "POST":
        accept = request.POST.get("answer") == "accept"
        try:
            services.answer_party_invitation(invitation, by=request.user, accept=accept)
        except services.PartyError as error:
            messages.error(request, str(error))
            return redirect("party_invitation", party_invitation_pk=invitation.pk)
        if accept:
            messages.success(request, f"{invitation.organisation.name} est maintenant partie à la convention.")
            return redirect(invitation.convention.get_absolute_url())
        messages.info(request, "Invitation refusée : la Caf en est informée.")
        return redirect("notifications")
    return render(request, "governance/party_invitation.html", {"invitation": invitation})


# --- Documents ------------------------------------------------------------------------------


def document_list(request, convention_pk):
    """The documents of the convention's present content: each party's deliberation on demand
    (the user's own first), what the last generation stored, and the generation under way."""
    convention = get_convention_for(request.user, Convention.objects.with_territory(), convention_pk)
    stored, complete = generation.current_documents(convention)
    job = convention.document_jobs.first()
    own = set(Membership.objects.effective().filter(user=request.user).values_list("organisation_id", flat=True))
    deliberating = sorted(
        convention.parties.filter(needs_deliberation=True).select_related("organisation"),
        key=lambda party: (
            party.organisation_id not in own,
            party.signing_group,
            french_sort_key(party.organisation.name),
        ),
    )
    context = {
        "convention": convention,
        "convention_documents": [d for d in stored if d.party_id is None],
        "own_parties": [party for party in deliberating if party.organisation_id in own],
        "deliberating_parties": deliberating,
        "complete": complete,
        "job": job,
    }
    template = "governance/includes/_documents.html" if request.htmx else "governance/document_list.html"
    return render(request, template, context)


@require_POST
def document_generate(request, convention_pk):
    convention = get_convention_for(request.user, Convention.objects.all(), convention_pk)
    generation.request_documents(convention, request.user)
    if request.htmx:
        return document_list(request, convention_pk)
    messages.info(request, "Production des documents lancée : rechargez la page pour suivre son avancement.")
    return redirect("document_list", convention_pk=convention.pk)


def party_deliberation(request, convention_pk, party_pk, document_format):
    """One party's deliberation for the present content, produced on demand in seconds (the
    convention PDF reused by content); `?apercu=1` opens the PDF in the browser."""
    convention = get_convention_for(request.user, Convention.objects.all(), convention_pk)
    party = get_object_or_404(convention.parties.select_related("organisation"), pk=party_pk, needs_deliberation=True)
    kind = Document.Kind.DELIBERATION_PDF if document_format == "pdf" else Document.Kind.DELIBERATION_DOCX
    try:
        document = generation.party_deliberation_document(convention, party, kind)
    except LookupError as error:
        raise Http404(str(error)) from None
    inline = kind == Document.Kind.DELIBERATION_PDF and request.GET.get("apercu") == "1"
    return file_response(document.file, document.filename, document.content_type, inline=inline)


def document_download(request, convention_pk, document_pk):
    convention = get_convention_for(request.user, Convention.objects.all(), convention_pk)
    document = get_object_or_404(convention.documents, pk=document_pk)
    return file_response(document.file, document.filename, document.content_type)
