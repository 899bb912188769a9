"""Freeze, deliberations, signatures, sealed PDF, audit trail and verification."""

import csv
import io

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_POST

from ctg.lib.client import client_ip
from ctg.lib.files import file_response
from ctg.lib.spreadsheets import neutralise
from ctg.lifecycle import Status
from ctg.models import Convention
from ctg.permissions import ConventionAccess, get_convention_for
from governance import open_data, workflows
from governance.deliberations import missing_before_signature
from governance.forms import DeliberationForm, PaperSignatureForm, SignForm, TransmissionForm, VerifyForm
from governance.models import AuditEvent, ConventionVersion, Deliberation, SignatureRequest
from governance.sealing import verify
from governance.signatories import missing_signatory, signatory_for


def workflow(request, convention_pk):
    convention = get_convention_for(request.user, Convention.objects.with_territory(), convention_pk)
    version = ConventionVersion.objects.defer("snapshot").current(convention)
    requests = (
        version.signature_requests.select_related("party__organisation").order_by(
            "signing_group", "party__organisation__name"
        )
        if version
        else []
    )
    if version:
        requests = list(requests)
        deliberations = {
            d.party_id: d
            for d in version.deliberations.only(
                "version_id", "party_id", "outcome", "sent_to_prefecture", "published_on"
            )
        }
        unsigned_groups = {r.signing_group for r in requests if r.status != SignatureRequest.Status.SIGNED}
        for signature in requests:
            signature.missing = _missing_for(signature, deliberations, unsigned_groups)
    return render(
        request,
        "governance/workflow.html",
        {
            "convention": convention,
            "version": version,
            # The snapshots (the whole text, as JSON) are not shown here: not read either.
            "versions": convention.versions.defer("snapshot").order_by("-number"),
            "requests": requests,
            "events": convention.audit_events.select_related("actor", "party").order_by("-created_at", "-pk")[:30],
            "status": Status,
        },
    )


def _missing_for(signature, deliberations, unsigned_groups) -> list[str]:
    """What the party's signature still waits for, in French."""
    if signature.status in (SignatureRequest.Status.SIGNED, SignatureRequest.Status.EXPIRED):
        return []
    missing = []
    if signature.status in (SignatureRequest.Status.WAITING, SignatureRequest.Status.BLOCKED):
        if signature.party.needs_deliberation:
            missing += missing_before_signature(deliberations.get(signature.party_id))
        if any(group < signature.signing_group for group in unsigned_groups):
            missing.append("les signatures des parties qui signent avant elle")
    if signature.status != SignatureRequest.Status.BLOCKED and (who := missing_signatory(signature.party)):
        missing.append(who)
    return missing


ACTIONS = {
    "freeze": (workflows.freeze, "Version figée : elle seule ira aux conseils et à la signature."),
    "unfreeze": (workflows.unfreeze, "La convention est revenue au brouillon."),
    "launch": (workflows.launch_deliberations, "Délibérations lancées : les parties sont prévenues par courriel."),
    "amend": (workflows.start_amendment, "Avenant ouvert : modifiez le texte, puis figez la nouvelle version."),
}


@require_POST
def workflow_action(request, convention_pk):
    convention = get_convention_for(request.user, Convention.objects.all(), convention_pk, "manage")
    action = ACTIONS.get(request.POST.get("action", ""))
    if action is None:
        raise Http404
    function, success = action
    try:
        function(convention, by=request.user, ip=client_ip(request))
    except workflows.WorkflowError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, success)
    return redirect("workflow", convention_pk=convention.pk)


DELIBERATION_LIST_COLUMNS = (
    "convention_id",
    "version_id",
    "outcome",
    "due_date",
    "session_date",
    "session_number",
    "act_id",
    "signed_act",
    "sent_to_prefecture",
    "published_on",
    "party__organisation_id",
    "party__organisation__name",
    "party__organisation__siret",
)


def deliberation_list(request, convention_pk):
    convention = get_convention_for(request.user, Convention.objects.with_territory(), convention_pk)
    version = ConventionVersion.objects.defer("snapshot").current(convention)
    deliberations = (
        list(
            version.deliberations.select_related("party__organisation")
            # What the table shows: not the counts of votes, the visas or the long texts.
            .only(*DELIBERATION_LIST_COLUMNS)
            .order_by("party__signing_group", "party__organisation__name")
        )
        if version
        else []
    )
    today = timezone.localdate()
    for deliberation in deliberations:
        deliberation.is_late = deliberation.outcome == Deliberation.Outcome.PENDING and deliberation.due_date < today
        deliberation.may_record = convention.access.may_record_deliberation(deliberation)
        deliberation.missing = missing_before_signature(deliberation)
        deliberation.may_complete = (
            deliberation.outcome == Deliberation.Outcome.ADOPTED
            and bool(deliberation.missing)
            and convention.access.may_act_for_party(deliberation.party)
        )
    adopted = sum(1 for d in deliberations if d.outcome == Deliberation.Outcome.ADOPTED)
    return render(
        request,
        "governance/deliberation_list.html",
        {
            "convention": convention,
            "version": version,
            "deliberations": deliberations,
            "adopted": adopted,
            "late": sum(1 for d in deliberations if d.is_late),
            "rejected": sum(1 for d in deliberations if d.outcome == Deliberation.Outcome.REJECTED),
            "without_siret": open_data.left_out(deliberations),
        },
    )


def deliberation_record(request, convention_pk, deliberation_pk):
    convention = get_convention_for(request.user, Convention.objects.with_territory(), convention_pk)
    deliberation = get_object_or_404(
        Deliberation.objects.filter(convention=convention).select_related("party__organisation__commune__departement"),
        pk=deliberation_pk,
    )
    if not convention.access.may_act_for_party(deliberation.party):
        raise PermissionDenied("Seuls la partie, l'intercommunalité ou la Caf enregistrent cette délibération.")
    form = DeliberationForm(request.POST or None, request.FILES or None, instance=deliberation)
    if request.method == "POST" and form.is_valid():
        data = {name: value for name, value in form.cleaned_data.items() if name != "signed_act"}
        try:
            workflows.record_deliberation(
                deliberation,
                data,
                by=request.user,
                ip=client_ip(request),
                signed_act=form.cleaned_data.get("signed_act"),
            )
        except workflows.WorkflowError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, f"Délibération de {deliberation.party.organisation.name} enregistrée.")
            return redirect("deliberation_list", convention_pk=convention.pk)
    return render(
        request,
        "governance/deliberation_form.html",
        {"convention": convention, "deliberation": deliberation, "form": form},
        status=400 if form.errors else 200,
    )


def deliberation_transmission(request, convention_pk, deliberation_pk):
    """After adoption: the act's transmission to the préfecture and its publication."""
    convention = get_convention_for(request.user, Convention.objects.with_territory(), convention_pk)
    deliberation = get_object_or_404(
        Deliberation.objects.filter(convention=convention, outcome=Deliberation.Outcome.ADOPTED).select_related(
            "party__organisation__commune__departement", "version"
        ),
        pk=deliberation_pk,
    )
    if not convention.access.may_act_for_party(deliberation.party):
        raise PermissionDenied("Seuls la partie, l'intercommunalité ou la Caf complètent cet acte.")
    form = TransmissionForm(request.POST or None, instance=deliberation)
    if request.method == "POST" and form.is_valid():
        try:
            workflows.complete_transmission(deliberation, form.cleaned_data, by=request.user, ip=client_ip(request))
        except workflows.WorkflowError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, f"Acte de {deliberation.party.organisation.name} complété.")
            return redirect("deliberation_list", convention_pk=convention.pk)
    return render(
        request,
        "governance/deliberation_transmission.html",
        {"convention": convention, "deliberation": deliberation, "form": form},
        status=400 if form.errors else 200,
    )


def deliberation_export(request, convention_pk):
    """The adopted deliberations in the SCDL « Délibérations » open-data format."""
    convention = get_convention_for(request.user, Convention.objects.all(), convention_pk)
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(open_data.SCDL_COLUMNS)
    for row in open_data.rows(convention):
        writer.writerow([neutralise(cell) for cell in row])
    response = HttpResponse(buffer.getvalue().encode("utf-8"), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=f"deliberations-convention-{convention.pk}.csv"
    )
    return response


def deliberation_act(request, convention_pk, deliberation_pk):
    convention = get_convention_for(request.user, Convention.objects.all(), convention_pk)
    deliberation = get_object_or_404(Deliberation.objects.filter(convention=convention), pk=deliberation_pk)
    if not deliberation.signed_act:
        raise Http404
    return _file(deliberation.signed_act, f"acte-{deliberation.act_id or deliberation.pk}.pdf")


def _file(field_file, filename):
    return file_response(field_file, filename, "application/pdf")


def version_pdf(request, convention_pk, version_pk):
    convention = get_convention_for(request.user, Convention.objects.all(), convention_pk)
    version = get_object_or_404(
        ConventionVersion.objects.defer("snapshot").filter(convention=convention), pk=version_pk
    )
    if not version.pdf_sha256:
        raise Http404("Le PDF de cette version est en cours de production : revenez dans un instant.")
    return _file(version.pdf, f"convention-{convention.pk}-version-{version.number}.pdf")


def version_signed_pdf(request, convention_pk, version_pk):
    convention = get_convention_for(request.user, Convention.objects.all(), convention_pk)
    version = get_object_or_404(
        ConventionVersion.objects.defer("snapshot").filter(convention=convention), pk=version_pk
    )
    if not version.signed_pdf:
        raise Http404
    return _file(version.signed_pdf, f"convention-{convention.pk}-version-{version.number}-signee.pdf")


def signature_paper(request, convention_pk, request_pk):
    convention = get_convention_for(request.user, Convention.objects.with_territory(), convention_pk, "manage")
    signature = get_object_or_404(
        SignatureRequest.objects.filter(convention=convention).select_related("party__organisation"), pk=request_pk
    )
    form = PaperSignatureForm(request.POST or None, request.FILES or None, party=signature.party)
    if request.method == "POST" and form.is_valid():
        try:
            workflows.record_paper_signature(
                signature,
                signatory=form.signatory(),
                signed_on=form.cleaned_data["signed_on"],
                scan=form.cleaned_data["scan"],
                by=request.user,
                ip=client_ip(request),
            )
        except workflows.WorkflowError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, f"Signature sur papier de {signature.party.organisation.name} enregistrée.")
            return redirect("workflow", convention_pk=convention.pk)
    return render(
        request,
        "governance/signature_paper.html",
        {"convention": convention, "signature": signature, "form": form},
        status=400 if form.errors else 200,
    )


def signature_sign(request, token):
    """The link of the signature e-mail: logged in as a signatory of the party, a one-time
    code sent by e-mail, then the signature. An outsider learns nothing (404); a member of the
    party who is neither its executive nor its delegate is told who signs (403)."""
    signature = workflows.request_for_token(token)
    access = ConventionAccess(request.user, signature.convention) if signature else None
    if signature is None or signature.party.organisation_id not in access.acting_organisation_ids:
        raise Http404("Aucune demande de signature ne correspond à ce lien pour votre compte.")
    signatory = signatory_for(signature.party, request.user)
    if signatory is None:
        return render(
            request,
            "governance/signature_not_designated.html",
            {"signature": signature, "convention": signature.convention, "party": signature.party},
            status=403,
        )
    form = SignForm(request.POST or None) if request.POST.get("action") == "sign" else SignForm()
    if request.method == "POST":
        if request.POST.get("action") == "send_code":
            try:
                workflows.send_code(signature, request.user)
            except workflows.WorkflowError as error:
                messages.error(request, str(error))
            else:
                messages.info(
                    request, f"Un code à 6 chiffres vient d'être envoyé à {request.user.email} (valable 10 minutes)."
                )
            return redirect("signature_sign", token=token)
        if form.is_valid():
            try:
                workflows.sign(signature, request.user, form.cleaned_data["code"], ip=client_ip(request))
            except workflows.WorkflowError as error:
                form.add_error("code", str(error))
            else:
                messages.success(request, "Votre signature est enregistrée. Merci.")
                return redirect("workflow", convention_pk=signature.convention_id)
    signature.refresh_from_db()
    return render(
        request,
        "governance/signature_sign.html",
        {
            "signature": signature,
            "signatory": signatory,
            "convention": signature.convention,
            "form": form,
            "token": token,
        },
        status=400 if form.errors else 200,
    )


def audit_export(request, convention_pk):
    convention = get_convention_for(request.user, Convention.objects.all(), convention_pk)
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    # E-mail and IP addresses are personal data: only the convention's managers read them.
    addresses = convention.access.can_manage
    writer.writerow(
        ["date", "événement", "message", "version", "partie", "compte", *(["adresse IP"] if addresses else [])]
    )
    for event in AuditEvent.objects.filter(convention=convention).select_related(
        "actor", "party__organisation", "version"
    ):
        actor = ""
        if event.actor:
            actor = event.actor.email if addresses else event.actor.get_full_name() or "un compte de la plateforme"
        row = [
            event.created_at.isoformat(),
            event.kind,
            event.message,
            event.version.number if event.version else "",
            event.party.organisation.name if event.party else "",
            actor,
            *([event.ip_address or ""] if addresses else []),
        ]
        writer.writerow([neutralise(cell) for cell in row])
    response = HttpResponse(("\ufeff" + buffer.getvalue()).encode("utf-8"), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=f"journal-convention-{convention.pk}.csv"
    )
    return response


@login_not_required
def verify_document(request):
    """Public: is this PDF an intact sealed convention of this platform?"""
    form = VerifyForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        result = verify(form.cleaned_data["document"].read())
    return render(request, "governance/verify.html", {"form": form, "result": result})
