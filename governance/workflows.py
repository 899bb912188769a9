"""Freeze, deliberations and signatures: the workflow of a convention, as transitions that
refuse an illegal move with a reason, each one leaving an audit event and queuing its
e-mails after the commit."""

import hashlib
import json
import secrets
from datetime import date, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from ctg.lib.jobs import enqueue_on_commit
from ctg.lib.mail import queue_email
from ctg.lifecycle import Status, TransitionError
from ctg.models import Convention
from governance import audit, nomenclature, signatories
from governance.deliberations import RECORD_FIELDS, TRANSMISSION_FIELDS, is_executory, record_errors
from governance.generation import ensure_version_pdf, request_documents
from governance.models import SIGNATORY_FIELDS, AuditEvent, ConventionVersion, Deliberation, Party, SignatureRequest
from governance.snapshot import convention_snapshot
from territories.models import Membership, Role


class WorkflowError(TransitionError):
    """A workflow step refused; the message says why, in French."""


def _hash(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


# --- Freeze --------------------------------------------------------------------------------


def freeze(convention: Convention, *, by=None, ip=None) -> ConventionVersion:
    """Take version N: the snapshot and its SHA-256, immutable, under the convention's lock;
    its PDF (about two seconds for sixty pages) is rendered after the commit by a job, with no
    lock held (`ensure_version_pdf`)."""
    with transaction.atomic():
        convention = Convention.objects.select_for_update(of=("self",)).get(pk=convention.pk)
        if convention.status != Status.REVIEW:
            raise WorkflowError("Seule une convention en relecture peut être figée.")
        if not convention.parties.exists():
            raise WorkflowError("La convention n'a aucune partie signataire.")
        previous = convention.versions.order_by("-number").first()
        number = previous.number + 1 if previous else 1
        convention.transition(Status.FROZEN, by=by)
        snapshot = convention_snapshot(convention)
        snapshot["meta"]["version"] = number
        is_amendment = snapshot["meta"]["amendment"] is not None
        version = ConventionVersion.objects.create(
            convention=convention,
            number=number,
            kind=ConventionVersion.Kind.AMENDMENT if is_amendment else ConventionVersion.Kind.INITIAL,
            snapshot=snapshot,
            snapshot_sha256=_hash(json.dumps(snapshot, sort_keys=True, ensure_ascii=False)),
            frozen_by=by if by is not None and by.is_authenticated else None,
        )
        audit.record(
            convention,
            "freeze",
            f"Version {number} figée (SHA-256 du texte {version.snapshot_sha256[:16]}…)",
            actor=by,
            version=version,
            ip=ip,
            snapshot_sha256=version.snapshot_sha256,
        )
        enqueue_on_commit("governance.tasks.render_version_pdf", version.pk)
    return version


def unfreeze(convention: Convention, *, by=None, ip=None) -> None:
    """Back to draft, possible until deliberations start; the version is kept, superseded."""
    with transaction.atomic():
        convention = Convention.objects.select_for_update(of=("self",)).get(pk=convention.pk)
        if convention.status != Status.FROZEN:
            raise WorkflowError(
                "Seule une convention figée dont les délibérations n'ont pas commencé revient au brouillon."
            )
        version = ConventionVersion.objects.current(convention)
        convention.transition(Status.DRAFT, by=by)
        if version is not None:
            ConventionVersion.objects.filter(pk=version.pk).update(superseded=True)
        audit.record(
            convention, "unfreeze", "Retour au brouillon avant les délibérations", actor=by, version=version, ip=ip
        )


# --- Deliberations ---------------------------------------------------------------------------


def _members(party: Party):
    members = Membership.objects.effective().filter(organisation_id=party.organisation_id)
    return [m.user for m in members.select_related("user")]


def _signature_recipients(party: Party) -> tuple[list, bool]:
    """Who is told that the party's signature is awaited: the designated accounts or, when the
    party has none yet, its organisation's admins, who can designate them (and whether some are)."""
    designated = signatories.designated_accounts(party)
    if designated:
        return designated, True
    admins = Membership.objects.effective().filter(organisation_id=party.organisation_id, role=Role.ADMIN)
    return [m.user for m in admins.select_related("user")], False


def _advisers(convention):
    return [
        m.user
        for m in Membership.objects.effective()
        .filter(organisation_id=convention.caf_id, role__in=[Role.CAF_ADVISER, Role.ADMIN])
        .select_related("user")
    ]


def _mail(users, template, context, convention, version=None, party=None):
    for user in users:
        queue_email(to=user.email, template=template, context={"user": user, "convention": convention, **context})
    if users:
        audit.record(
            convention,
            "email",
            f"Courriel « {template.split('/')[-1]} » envoyé à {len(users)} destinataire(s)",
            version=version,
            party=party,
            recipients=[u.email for u in users],
        )


def launch_deliberations(convention: Convention, *, by=None, ip=None) -> list[Deliberation]:
    """One deliberation per party that needs one; its members are told; the parties that need
    none may sign as soon as their turn comes."""
    # The PDF that goes to the councils exists before anything is locked.
    version = ConventionVersion.objects.current(convention)
    if version is not None:
        ensure_version_pdf(version)
    with transaction.atomic():
        convention = Convention.objects.select_for_update(of=("self",)).get(pk=convention.pk)
        if convention.status != Status.FROZEN:
            raise WorkflowError("Les délibérations se lancent sur une convention figée.")
        version = ConventionVersion.objects.current(convention)
        convention.transition(Status.DELIBERATIONS, by=by)
        due = timezone.localdate() + timedelta(days=settings.DELIBERATION_DELAY_DAYS)
        created = []
        for party in convention.parties.select_related("organisation").filter(needs_deliberation=True):
            deliberation, made = Deliberation.objects.get_or_create(
                version=version, party=party, defaults={"convention": convention, "due_date": due}
            )
            if made:
                created.append(deliberation)
        audit.record(
            convention,
            "deliberations_launched",
            f"Délibérations lancées pour {len(created)} partie(s), échéance le {due:%d/%m/%Y}",
            actor=by,
            version=version,
            ip=ip,
        )
        for deliberation in created:
            url = reverse("deliberation_list", kwargs={"convention_pk": convention.pk})
            _mail(
                _members(deliberation.party),
                "emails/deliberation_requested",
                {"party": deliberation.party, "due": due, "path": url},
                convention,
                version,
                deliberation.party,
            )
        _create_signature_requests(convention, version)
        open_signatures(convention, version)
        request_documents(convention, by)
    return created


def _refuse_unlawful(record: dict, deliberation: Deliberation) -> None:
    """Raise with every rule of the séance the record breaks (governance.deliberations)."""
    errors = record_errors(record, deliberation=deliberation)
    if errors:
        raise WorkflowError(" ".join(message for messages in errors.values() for message in messages))


def record_deliberation(deliberation: Deliberation, data: dict, *, by=None, ip=None, signed_act=None) -> Deliberation:
    """Record a séance's decision. A rejection blocks the party's signature and alerts the
    adviser; a later séance can adopt it."""
    with transaction.atomic():
        deliberation = (
            Deliberation.objects.select_for_update(of=("self",))
            .select_related("party__organisation__commune__departement", "convention", "version")
            .get(pk=deliberation.pk)
        )
        convention = deliberation.convention
        if convention.status not in (Status.DELIBERATIONS, Status.SIGNATURES):
            raise WorkflowError("Les délibérations de cette convention ne sont plus ouvertes.")
        if deliberation.outcome == Deliberation.Outcome.ADOPTED:
            raise WorkflowError("Cette délibération est déjà adoptée.")
        _refuse_unlawful(data, deliberation)
        for name, value in data.items():
            setattr(deliberation, name, value)
        deliberation.session_number += 1
        deliberation.recorded_by = by if by is not None and by.is_authenticated else None
        deliberation.recorded_at = timezone.now()
        if signed_act is not None:
            deliberation.signed_act.save(
                f"acte-{deliberation.party_id}-{deliberation.session_number}.pdf", signed_act, save=False
            )
        deliberation.save()
        party = deliberation.party
        adopted = deliberation.outcome == Deliberation.Outcome.ADOPTED
        audit.record(
            convention,
            "deliberation_recorded",
            f"{party.organisation.name} : délibération {deliberation.get_outcome_display().lower()} en séance du "
            f"{deliberation.session_date:%d/%m/%Y}" + (f" (acte {deliberation.act_id})" if deliberation.act_id else ""),
            actor=by,
            party=party,
            version=deliberation.version,
            ip=ip,
            act_id=deliberation.act_id,
            votes=[deliberation.votes_for, deliberation.votes_against, deliberation.abstentions],
        )
        request = SignatureRequest.objects.filter(version=deliberation.version, party=party).first()
        if deliberation.outcome == Deliberation.Outcome.ADJOURNED:
            pass  # a later séance decides; the signature keeps waiting
        elif adopted:
            if request and request.status == SignatureRequest.Status.BLOCKED:
                SignatureRequest.objects.filter(pk=request.pk).update(status=SignatureRequest.Status.WAITING)
            open_signatures(convention, deliberation.version)
        else:
            if request:
                SignatureRequest.objects.filter(pk=request.pk).update(status=SignatureRequest.Status.BLOCKED)
            _mail(
                _advisers(convention),
                "emails/deliberation_rejected",
                {
                    "party": party,
                    "deliberation": deliberation,
                    "path": reverse("deliberation_list", kwargs={"convention_pk": convention.pk}),
                },
                convention,
                deliberation.version,
                party,
            )
    return deliberation


def _transmission_label(name: str, value) -> str:
    """How the audit trail says what was added to an act: its id, its matière, a date."""
    if name == "act_id":
        return f"acte {value}"
    if name == "subject_code":
        return f"matière {nomenclature.label(value)}"
    return f"{Deliberation._meta.get_field(name).verbose_name} {value:%d/%m/%Y}"


def complete_transmission(deliberation: Deliberation, data: dict, *, by=None, ip=None) -> Deliberation:
    """After adoption, the act's identifier, its transmission and its publication are added
    as they happen (dates already recorded stay); once exécutoire, its signature may open."""
    with transaction.atomic():
        deliberation = (
            Deliberation.objects.select_for_update(of=("self",))
            .select_related("party__organisation__commune__departement", "convention", "version")
            .get(pk=deliberation.pk)
        )
        if deliberation.outcome != Deliberation.Outcome.ADOPTED:
            raise WorkflowError("Seule une délibération adoptée est transmise et publiée.")
        changed = {
            name: value
            for name, value in data.items()
            if name in TRANSMISSION_FIELDS and value and getattr(deliberation, name) in (None, "")
        }
        subject = data.get("subject_code")
        if subject and subject != deliberation.subject_code and deliberation.sent_to_prefecture is None:
            changed["subject_code"] = subject
        record = {name: getattr(deliberation, name) for name in RECORD_FIELDS} | changed
        _refuse_unlawful(record, deliberation)
        if not changed:
            return deliberation
        for name, value in changed.items():
            setattr(deliberation, name, value)
        deliberation.save(update_fields=list(changed))
        audit.record(
            deliberation.convention,
            "deliberation_transmitted",
            f"{deliberation.party.organisation.name} : "
            + ", ".join(_transmission_label(name, value) for name, value in changed.items()),
            actor=by,
            party=deliberation.party,
            version=deliberation.version,
            ip=ip,
        )
        if is_executory(deliberation) and deliberation.convention.status in (Status.DELIBERATIONS, Status.SIGNATURES):
            open_signatures(deliberation.convention, deliberation.version)
    return deliberation


# --- Signatures ------------------------------------------------------------------------------


def _create_signature_requests(convention, version):
    expires = timezone.now() + timedelta(days=settings.SIGNATURE_LINK_VALIDITY_DAYS)
    for party in convention.parties.all():
        if not SignatureRequest.objects.filter(version=version, party=party).exists():
            SignatureRequest.objects.create(
                convention=convention,
                version=version,
                party=party,
                signing_group=party.signing_group,
                token_hash=_hash(secrets.token_urlsafe(32)),  # replaced by the link sent when it opens
                token_expires_at=expires,
            )


def _may_open(request: SignatureRequest, requests: list[SignatureRequest], deliberations: dict) -> bool:
    earlier = [r for r in requests if r.signing_group < request.signing_group]
    if any(r.status != SignatureRequest.Status.SIGNED for r in earlier):
        return False
    if request.party.needs_deliberation:
        # A contract is signed once the deliberation that authorises it is exécutoire.
        deliberation = deliberations.get(request.party_id)
        return deliberation is not None and is_executory(deliberation)
    return True


def open_signatures(convention, version) -> list[SignatureRequest]:
    """Open the requests whose turn has come, and send their single-use links."""
    requests = list(version.signature_requests.select_related("party__organisation").select_for_update(of=("self",)))
    deliberations = {d.party_id: d for d in version.deliberations.all()}
    opened = []
    for request in requests:
        if request.status == SignatureRequest.Status.WAITING and _may_open(request, requests, deliberations):
            token = secrets.token_urlsafe(32)
            request.status = SignatureRequest.Status.OPEN
            request.token_hash = _hash(token)
            request.token_expires_at = timezone.now() + timedelta(days=settings.SIGNATURE_LINK_VALIDITY_DAYS)
            request.opened_at = timezone.now()
            request.due_date = timezone.localdate() + timedelta(days=settings.SIGNATURE_DELAY_DAYS)
            request.save()
            opened.append(request)
            recipients, designated = _signature_recipients(request.party)
            _mail(
                recipients,
                "emails/signature_requested",
                {
                    "party": request.party,
                    "request": request,
                    "designated": designated,
                    "path": reverse("signature_sign", kwargs={"token": token}),
                    "designate_path": reverse(
                        "party_signatory",
                        kwargs={"convention_pk": request.convention_id, "party_pk": request.party_id},
                    ),
                },
                convention,
                version,
                request.party,
            )
    if opened:
        audit.record(
            convention,
            "signatures_opened",
            "Signature ouverte pour : " + ", ".join(r.party.organisation.name for r in opened),
            version=version,
        )
        if convention.status == Status.DELIBERATIONS:
            Convention.objects.get(pk=convention.pk).transition(Status.SIGNATURES)
    return opened


def designate_signatories(party: Party, data: dict, *, by=None, ip=None) -> Party:
    """Record who signs for the party (executive, delegate, their accounts). Once the party has
    signed the version in signature, it stays as signed. A signature already open is sent at
    again, with a new link, when an account is added."""
    with transaction.atomic():
        party = (
            Party.objects.select_for_update(of=("self",)).select_related("organisation", "convention").get(pk=party.pk)
        )
        convention = party.convention
        request = (
            SignatureRequest.objects.filter(party=party, convention=convention, convention__status=Status.SIGNATURES)
            .select_related("version")
            .order_by("-version__number")
            .first()
        )
        if request is not None and request.status == SignatureRequest.Status.SIGNED:
            raise WorkflowError(
                f"{party.organisation.name} a déjà signé : ses signataires restent ceux de la signature."
            )
        errors = signatories.signatory_errors(data, party)
        if errors:
            raise WorkflowError(" ".join(message for messages in errors.values() for message in messages))
        before = set(
            filter(None, (party.executive_account_id, party.delegate_account_id if party.has_delegation else None))
        )
        for field in SIGNATORY_FIELDS:
            if field in data:
                setattr(party, field, data[field])
        party.save()
        mention = signatories.delegation_mention(party)
        audit.record(
            convention,
            "signatories_designated",
            f"Signataires de {party.organisation.name} : {party.representative_title or 'exécutif'} "
            f"{party.representative_name}".rstrip()
            + (f" ; délégataire {party.delegate_name}, {party.delegate_title} ({mention})" if mention else ""),
            actor=by,
            party=party,
            ip=ip,
        )
        accounts = signatories.designated_accounts(party)
        if request is not None and request.status == SignatureRequest.Status.OPEN and {u.pk for u in accounts} - before:
            # One link per signature: a new one replaces the old, so every designated account gets it.
            token = reissue_link(request)
            _mail(
                accounts,
                "emails/signature_requested",
                {
                    "party": party,
                    "request": request,
                    "designated": True,
                    "path": reverse("signature_sign", kwargs={"token": token}),
                },
                convention,
                request.version,
                party,
            )
    return party


def reissue_link(request: SignatureRequest) -> str:
    """A fresh link for an open request (the old one stops working)."""
    token = secrets.token_urlsafe(32)
    SignatureRequest.objects.filter(pk=request.pk).update(
        token_hash=_hash(token), token_expires_at=timezone.now() + timedelta(days=settings.SIGNATURE_LINK_VALIDITY_DAYS)
    )
    return token


def request_for_token(token: str) -> SignatureRequest | None:
    return (
        SignatureRequest.objects.select_related("party__organisation", "convention", "version")
        .filter(token_hash=_hash(token))
        .first()
    )


def send_code(request: SignatureRequest, user) -> None:
    """E-mail a new one-time code; at most SIGNATURE_CODES_PER_HOUR an hour per request, so
    that new codes cannot reset the count of wrong attempts for ever."""
    if request.status == SignatureRequest.Status.SIGNED:
        raise WorkflowError("Cette partie a déjà signé.")
    _check_turn(request)
    sent = AuditEvent.objects.filter(
        kind="signature_code",
        party_id=request.party_id,
        version_id=request.version_id,
        created_at__gte=timezone.now() - timedelta(hours=1),
    ).count()
    if sent >= settings.SIGNATURE_CODES_PER_HOUR:
        raise WorkflowError(
            f"{sent} codes ont déjà été envoyés dans l'heure pour cette signature : réessayez plus tard."
        )
    code = f"{secrets.randbelow(10**6):06d}"
    SignatureRequest.objects.filter(pk=request.pk).update(
        otp_hash=_hash(f"{request.pk}:{code}"),
        otp_expires_at=timezone.now() + timedelta(minutes=settings.SIGNATURE_CODE_VALIDITY_MINUTES),
        otp_attempts=0,
    )
    queue_email(
        to=user.email,
        template="emails/signature_code",
        context={"user": user, "convention": request.convention, "party": request.party, "code": code},
    )
    audit.record(
        request.convention,
        "signature_code",
        # The address is the actor's, shown to the managers only (audit export).
        "Code de signature envoyé par courriel au signataire",
        actor=user,
        party=request.party,
        version=request.version,
    )


def sign(request: SignatureRequest, user, code: str, *, ip=None) -> SignatureRequest:
    """Sign with the one-time code; two clicks at the same moment make one signature. A wrong
    code is counted once the transaction is over, so that the refusal cannot roll it back."""
    wrong_code = False
    with transaction.atomic():
        request = (
            SignatureRequest.objects.select_for_update(of=("self",))
            .select_related("party__organisation", "convention", "version")
            .get(pk=request.pk)
        )
        if request.status == SignatureRequest.Status.SIGNED:
            raise WorkflowError("Cette partie a déjà signé.")
        _check_turn(request)
        if request.token_expires_at <= timezone.now():
            raise WorkflowError("Le lien de signature a expiré : demandez-en un nouveau à la Caf.")
        signatory = signatories.signatory_for(request.party, user)
        if signatory is None:
            raise WorkflowError(
                "Seul l'exécutif de cette partie ou son délégataire désigné signe pour elle : "
                "votre compte n'est pas désigné."
            )
        if not request.otp_hash or request.otp_expires_at <= timezone.now():
            raise WorkflowError("Le code a expiré : demandez un nouveau code.")
        if request.otp_attempts >= settings.SIGNATURE_CODE_MAX_ATTEMPTS:
            raise WorkflowError("Trop d'essais : demandez un nouveau code.")
        wrong_code = not secrets.compare_digest(request.otp_hash, _hash(f"{request.pk}:{code.strip()}"))
        if not wrong_code:
            _mark_signed(request, user=user, method=SignatureRequest.Method.ELECTRONIC, ip=ip, signatory=signatory)
    if wrong_code:
        SignatureRequest.objects.filter(pk=request.pk).update(otp_attempts=F("otp_attempts") + 1)
        left = settings.SIGNATURE_CODE_MAX_ATTEMPTS - request.otp_attempts - 1
        raise WorkflowError(
            f"Code incorrect : encore {left} essai{'s' if left > 1 else ''}."
            if left > 0
            else "Code incorrect : demandez un nouveau code."
        )
    return request


def _check_turn(request: SignatureRequest):
    if request.status == SignatureRequest.Status.BLOCKED:
        raise WorkflowError("La délibération de cette partie a été rejetée : elle ne peut pas signer.")
    if request.status in (SignatureRequest.Status.WAITING, SignatureRequest.Status.EXPIRED):
        raise WorkflowError(
            "Ce n'est pas encore le tour de cette partie de signer."
            if request.status == "waiting"
            else "Cette demande de signature a expiré."
        )


def _check_paper_date(request: SignatureRequest, signed_on: date) -> None:
    """A paper signature comes in the circuit's order: not before the parties that sign before
    it, nor before its own act became exécutoire."""
    earlier = (
        SignatureRequest.objects.filter(
            version=request.version, signing_group__lt=request.signing_group, signed_at__isnull=False
        )
        .order_by("-signed_at")
        .first()
    )
    if earlier and signed_on < timezone.localdate(earlier.signed_at):
        raise WorkflowError(
            f"La date de signature précède celle de {earlier.party.organisation.name} "
            f"({timezone.localdate(earlier.signed_at):%d/%m/%Y}), qui signe avant elle."
        )
    deliberation = Deliberation.objects.filter(version=request.version, party=request.party).first()
    if deliberation and deliberation.published_on and signed_on < deliberation.published_on:
        raise WorkflowError(
            f"La date de signature précède la publication de la délibération ({deliberation.published_on:%d/%m/%Y}) : "
            "la convention ne peut être signée qu'une fois l'acte exécutoire."
        )


def record_paper_signature(
    request: SignatureRequest, *, signatory: signatories.Signatory, signed_on: date, scan, by=None, ip=None
):
    """The adviser records a signature made on paper: who signed, in which quality (under which
    delegation), on which day, and the scanned page, which the sealed original carries."""
    with transaction.atomic():
        request = (
            SignatureRequest.objects.select_for_update(of=("self",))
            .select_related("party__organisation", "convention", "version")
            .get(pk=request.pk)
        )
        if request.status == SignatureRequest.Status.SIGNED:
            raise WorkflowError("Cette partie a déjà signé.")
        _check_turn(request)
        _check_paper_date(request, signed_on)
        request.scan.save(f"signature-{request.party_id}.pdf", scan, save=False)
        _mark_signed(
            request,
            user=by,
            method=SignatureRequest.Method.PAPER,
            ip=ip,
            signatory=signatory,
            signed_at=timezone.make_aware(timezone.datetime.combine(signed_on, timezone.datetime.min.time())),
        )
    return request


def _mark_signed(request, *, user, method, ip, signatory: signatories.Signatory, signed_at=None):
    request.status = SignatureRequest.Status.SIGNED
    request.signed_at = signed_at or timezone.now()
    request.signed_by = user if user is not None and user.is_authenticated else None
    request.signer_name = signatory.name
    request.signer_quality = signatory.quality
    request.signer_delegation = signatory.delegation
    request.method = method
    request.ip_address = ip
    request.otp_hash = ""
    request.save()
    audit.record(
        request.convention,
        "signature",
        f"{request.party.organisation.name} a signé ({request.get_method_display().lower()}) : "
        f"{signatory.name}, {signatory.quality}" + (f", {signatory.delegation}" if signatory.delegation else ""),
        actor=user,
        party=request.party,
        version=request.version,
        ip=ip,
        method=method,
    )
    version = request.version
    if not version.signature_requests.exclude(status=SignatureRequest.Status.SIGNED).exists():
        audit.record(
            request.convention, "all_signed", "Toutes les parties ont signé : scellement demandé", version=version
        )
        enqueue_on_commit("governance.tasks.seal_version", version.pk)
    else:
        open_signatures(request.convention, version)


def notify_sealed(version: ConventionVersion) -> None:
    convention = version.convention
    users = {u for party in convention.parties.all() for u in _members(party)} | set(_advisers(convention))
    with transaction.atomic():
        _mail(
            sorted(users, key=lambda u: u.email),
            "emails/convention_sealed",
            {"version": version, "path": reverse("workflow", kwargs={"convention_pk": convention.pk})},
            convention,
            version,
        )


# --- The periodic scan: reminders, deadlines, period -----------------------------------------


def _due_for_reminder(obj, now) -> bool:
    interval = timedelta(days=settings.REMINDER_INTERVAL_DAYS)
    last = obj.last_reminder_at or getattr(obj, "opened_at", None) or obj.version.frozen_at
    return obj.reminders_sent < settings.REMINDER_MAX_COUNT and last + interval <= now


def _escalate(item, kind: str, message: str, *, what: str, path: str) -> None:
    """Record a missed deadline of a deliberation or a signature and tell the CAF's advisers."""
    audit.record(item.convention, kind, message, party=item.party, version=item.version)
    _mail(
        _advisers(item.convention),
        "emails/escalation",
        {"what": what, "path": path},
        item.convention,
        item.version,
        item.party,
    )


def scan(now=None) -> dict:
    """Due dates live in the database; this scan (Celery beat, hourly) acts on them once:
    each step updates the row it acts on, so a second run does nothing more."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    counts = {
        "deliberation_reminders": 0,
        "signature_reminders": 0,
        "expired": 0,
        "escalations": 0,
        "in_force": 0,
        "ended": 0,
    }
    pending = (
        Deliberation.objects.pending()
        .select_related("party__organisation", "convention", "version")
        .filter(convention__status__in=[Status.DELIBERATIONS, Status.SIGNATURES])
    )
    for deliberation in pending:
        if deliberation.due_date < today:
            continue
        if _due_for_reminder(deliberation, now):
            with transaction.atomic():
                claimed = Deliberation.objects.filter(
                    pk=deliberation.pk, reminders_sent=deliberation.reminders_sent
                ).update(reminders_sent=deliberation.reminders_sent + 1, last_reminder_at=now)
                if claimed:
                    _mail(
                        _members(deliberation.party),
                        "emails/deliberation_reminder",
                        {
                            "party": deliberation.party,
                            "due": deliberation.due_date,
                            "path": reverse("deliberation_list", kwargs={"convention_pk": deliberation.convention_id}),
                        },
                        deliberation.convention,
                        deliberation.version,
                        deliberation.party,
                    )
                    counts["deliberation_reminders"] += 1
    open_requests = SignatureRequest.objects.filter(status=SignatureRequest.Status.OPEN).select_related(
        "party__organisation", "convention", "version"
    )
    for request in open_requests:
        if request.due_date and request.due_date < today or request.token_expires_at <= now:
            with transaction.atomic():
                if SignatureRequest.objects.filter(pk=request.pk, status=SignatureRequest.Status.OPEN).update(
                    status=SignatureRequest.Status.EXPIRED
                ):
                    _escalate(
                        request,
                        "expiry",
                        f"Demande de signature expirée : {request.party.organisation.name}",
                        what=f"la signature de {request.party.organisation.name}",
                        path=reverse("workflow", kwargs={"convention_pk": request.convention_id}),
                    )
                    counts["expired"] += 1
                    counts["escalations"] += 1
        elif _due_for_reminder(request, now):
            with transaction.atomic():
                if SignatureRequest.objects.filter(pk=request.pk, reminders_sent=request.reminders_sent).update(
                    reminders_sent=request.reminders_sent + 1, last_reminder_at=now
                ):
                    token = reissue_link(request)
                    recipients, designated = _signature_recipients(request.party)
                    _mail(
                        recipients,
                        "emails/signature_reminder",
                        {
                            "party": request.party,
                            "request": request,
                            "designated": designated,
                            "path": reverse("signature_sign", kwargs={"token": token}),
                            "designate_path": reverse(
                                "party_signatory",
                                kwargs={"convention_pk": request.convention_id, "party_pk": request.party_id},
                            ),
                        },
                        request.convention,
                        request.version,
                        request.party,
                    )
                    counts["signature_reminders"] += 1
    late = Deliberation.objects.pending().filter(
        due_date__lt=today, convention__status__in=[Status.DELIBERATIONS, Status.SIGNATURES]
    )
    for deliberation in late.select_related("party__organisation", "convention", "version"):
        with transaction.atomic():
            # Escalate once: the reminder count passes the maximum.
            if Deliberation.objects.filter(pk=deliberation.pk, reminders_sent__lte=settings.REMINDER_MAX_COUNT).update(
                reminders_sent=settings.REMINDER_MAX_COUNT + 1, last_reminder_at=now
            ):
                _escalate(
                    deliberation,
                    "escalation",
                    f"Délibération en retard : {deliberation.party.organisation.name} "
                    f"(échéance {deliberation.due_date:%d/%m/%Y})",
                    what=f"la délibération de {deliberation.party.organisation.name}",
                    path=reverse("deliberation_list", kwargs={"convention_pk": deliberation.convention_id}),
                )
                counts["escalations"] += 1
    for convention in Convention.objects.filter(status=Status.SIGNED, start_date__lte=today, end_date__gte=today):
        convention.transition(Status.IN_FORCE)
        audit.record(convention, "in_force", f"Convention en vigueur depuis le {convention.start_date:%d/%m/%Y}")
        counts["in_force"] += 1
    for convention in Convention.objects.filter(status__in=[Status.SIGNED, Status.IN_FORCE], end_date__lt=today):
        convention.transition(Status.ENDED)
        audit.record(convention, "ended", f"Convention terminée le {convention.end_date:%d/%m/%Y}")
        counts["ended"] += 1
    return counts


def start_amendment(convention: Convention, *, by=None, ip=None) -> None:
    """An avenant: the signed text reopens as a draft that will be version N+1; version N
    and its sealed PDF stay as they are."""
    with transaction.atomic():
        convention = Convention.objects.select_for_update(of=("self",)).get(pk=convention.pk)
        if convention.status not in (Status.SIGNED, Status.IN_FORCE):
            raise WorkflowError("Un avenant se prépare sur une convention signée ou en vigueur.")
        version = ConventionVersion.objects.current(convention)
        convention.transition(Status.DRAFT, by=by)
        audit.record(
            convention,
            "amendment",
            f"Avenant ouvert : la version {version.number + 1} est en préparation",
            actor=by,
            version=version,
            ip=ip,
        )
