from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from ctg.lib import office
from ctg.lib.typography import french_sort_key
from ctg.lifecycle import Status as ConventionStatus
from ctg.models import Convention, ConventionPart
from governance import nomenclature
from territories.models import Organisation


class PartyQuerySet(models.QuerySet):
    def signing_order(self):
        return self.order_by("signing_group", "organisation__name")

    def awaiting_deliberation(self, organisation_ids):
        """The organisations' parties whose assembly has yet to adopt the convention's text in
        progress (drafted, frozen, before the councils or while the first parties sign), with
        their convention."""
        adopted = Deliberation.objects.filter(
            party=models.OuterRef("pk"), outcome=Deliberation.Outcome.ADOPTED, version__signed_sha256=""
        )
        return (
            self.filter(
                organisation_id__in=organisation_ids,
                needs_deliberation=True,
                convention__status__in=[
                    ConventionStatus.DRAFT,
                    ConventionStatus.REVIEW,
                    ConventionStatus.FROZEN,
                    ConventionStatus.DELIBERATIONS,
                    ConventionStatus.SIGNATURES,  # the first signatures open while others still deliberate
                ],
            )
            .exclude(models.Exists(adopted))
            .select_related("convention", "organisation")
            .order_by("convention__start_date", "convention__title")
        )


# What a party says beside its organisation: who signs, whether a council deliberates, when.
PARTY_FIELDS = (
    "representative_name",
    "representative_title",
    "needs_deliberation",
    "signing_group",
    "position",
    "commitments",
)
# Who may sign for a party: its executive and, by an arrêté of delegation, a delegate.
SIGNATORY_FIELDS = (
    "representative_name",
    "representative_title",
    "executive_account",
    "delegate_name",
    "delegate_title",
    "delegation_order",
    "delegation_date",
    "delegate_account",
)


# Without a rank of their own, parties are named: the territory, its communes, the Caf, the others.
KIND_RANK = {"epci": 0, "commune": 1, "caf": 2, "departement": 3, "msa": 4}


def document_order(parties) -> list:
    """Parties in the order the convention names them: their own rank where given, else by
    kind, then by name in French order."""
    return sorted(
        parties,
        key=lambda party: (
            party.position is None,
            party.position or 0,
            KIND_RANK.get(party.organisation.kind, 5),
            french_sort_key(party.organisation.name),
        ),
    )


class Party(ConventionPart):
    """A signatory of the convention: an organisation, its executive who signs for it (the
    maire, the président, the Caf's directeur) and, when there is one, the delegate who signs
    in the executive's stead under an arrêté of delegation."""

    convention = models.ForeignKey(Convention, on_delete=models.CASCADE, related_name="parties")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="parties")
    representative_name = models.CharField("nom de l'exécutif", max_length=150, blank=True)
    representative_title = models.CharField(
        "qualité", max_length=150, blank=True, help_text="« Le Président », « La Maire », « Le Directeur »…"
    )
    executive_account = models.ForeignKey(
        "territories.User",
        verbose_name="compte de l'exécutif sur la plateforme",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    delegate_name = models.CharField("nom du ou de la délégataire", max_length=150, blank=True)
    delegate_title = models.CharField(
        "qualité du ou de la délégataire",
        max_length=150,
        blank=True,
        help_text="« Adjointe déléguée aux affaires sociales », « Directeur adjoint »…",
    )
    delegation_order = models.CharField(
        "arrêté de délégation n°",
        max_length=60,
        blank=True,
        help_text="Le numéro de l'arrêté de délégation de signature.",
    )
    delegation_date = models.DateField("arrêté du", null=True, blank=True)
    delegate_account = models.ForeignKey(
        "territories.User",
        verbose_name="compte du ou de la délégataire sur la plateforme",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    needs_deliberation = models.BooleanField("délibération nécessaire", default=False)
    signing_group = models.PositiveSmallIntegerField(
        "ordre de signature",
        default=1,
        help_text="Les parties d'un même rang signent en parallèle ; le rang suivant signe ensuite.",
    )
    position = models.PositiveSmallIntegerField(
        "rang dans la convention",
        null=True,
        blank=True,
        help_text="L'ordre dans lequel la convention nomme les parties ; vide : le territoire, ses communes, la Caf, puis les autres.",
    )
    commitments = models.TextField(
        "engagements",
        blank=True,
        help_text="Ce à quoi la partie s'engage, un engagement par ligne ; vide : les engagements habituels de ce type d'organisation.",
    )

    history = HistoricalRecords()
    objects = PartyQuerySet.as_manager()

    class Meta:
        verbose_name = "partie signataire"
        verbose_name_plural = "parties signataires"
        ordering = ["signing_group", "organisation__name"]
        constraints = [
            models.UniqueConstraint(fields=["convention", "organisation"], name="party_unique_per_convention")
        ]

    def __str__(self):
        return f"{self.organisation} ({self.convention})"

    @property
    def has_delegation(self) -> bool:
        """A delegate signs only under a recorded arrêté (its number and date)."""
        return bool(self.delegate_name and self.delegation_order and self.delegation_date)

    def signs_as(self, user_id) -> str | None:
        """ "executive" or "delegate" when the account `user_id` is designated to sign for the party."""
        if user_id and user_id == self.executive_account_id:
            return "executive"
        if user_id and user_id == self.delegate_account_id and self.has_delegation:
            return "delegate"
        return None


class PartyInvitationQuerySet(models.QuerySet):
    def pending(self):
        return self.filter(status=PartyInvitation.Status.PENDING)

    def awaiting(self, user):
        """Pending invitations that this user may answer: those of the organisations they administer."""
        return self.pending().filter(
            organisation__memberships__user=user,
            organisation__memberships__role="admin",
            organisation__is_active=True,
        )


class PartyInvitation(ConventionPart):
    """An organisation asked to become a party: outside the convention's territory, or a
    partner with people on the platform, it joins only once its admin accepts (until then it
    neither sees the convention nor receives its e-mails)."""

    class Status(models.TextChoices):
        PENDING = "pending", "En attente"
        ACCEPTED = "accepted", "Acceptée"
        DECLINED = "declined", "Refusée"
        WITHDRAWN = "withdrawn", "Retirée"

    convention = models.ForeignKey(Convention, on_delete=models.CASCADE, related_name="party_invitations")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="party_invitations")
    # The party's fields once accepted (representative, deliberation, signing group), as proposed.
    party_fields = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    invited_by = models.ForeignKey("territories.User", on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey("territories.User", on_delete=models.SET_NULL, null=True, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)

    objects = PartyInvitationQuerySet.as_manager()

    class Meta:
        verbose_name = "invitation à devenir partie"
        verbose_name_plural = "invitations à devenir partie"
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["convention", "organisation"],
                condition=models.Q(status="pending"),
                name="party_invitation_one_pending",
            )
        ]

    def __str__(self):
        return f"{self.organisation} invitée à {self.convention}"


def document_path(document, filename):
    return f"documents/{document.convention_id}/{document.input_hash[:16]}/{filename}"


class DocumentQuerySet(models.QuerySet):
    def current(self, convention, input_hashes):
        return self.filter(convention=convention, input_hash__in=input_hashes)


class Document(ConventionPart):
    """A generated file. Its `input_hash` names what it was rendered from: asking again for the
    same content returns this file instead of rendering it again; a stored file never changes."""

    class Kind(models.TextChoices):
        CONVENTION = "convention", "Convention (PDF)"
        CONVENTION_DOCX = "convention_docx", "Convention modifiable (DOCX)"
        DELIBERATION_PDF = "deliberation_pdf", "Délibération (PDF)"
        DELIBERATION_DOCX = "deliberation_docx", "Délibération modifiable (DOCX)"

    convention = models.ForeignKey(Convention, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField("type", max_length=20, choices=Kind.choices)
    party = models.ForeignKey(Party, on_delete=models.SET_NULL, null=True, blank=True, related_name="documents")
    input_hash = models.CharField(max_length=64)
    file = models.FileField(upload_to=document_path)
    filename = models.CharField(max_length=200)
    sha256 = models.CharField("empreinte SHA-256", max_length=64)
    size = models.PositiveIntegerField("taille (octets)")
    pages = models.PositiveIntegerField("pages", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = DocumentQuerySet.as_manager()

    class Meta:
        verbose_name = "document"
        ordering = ["kind", "filename"]
        constraints = [
            models.UniqueConstraint(fields=["convention", "kind", "input_hash"], name="document_unique_content")
        ]

    def __str__(self):
        return self.filename

    @property
    def is_docx(self):
        return self.kind in (self.Kind.CONVENTION_DOCX, self.Kind.DELIBERATION_DOCX)

    @property
    def content_type(self):
        if self.is_docx:
            return office.CONTENT_TYPE
        return "application/pdf"


class DocumentJob(ConventionPart):
    """A request to produce the documents of a convention, run by a Celery worker."""

    class Status(models.TextChoices):
        PENDING = "pending", "En attente"
        RUNNING = "running", "En cours"
        DONE = "done", "Terminé"
        FAILED = "failed", "Échec"

    convention = models.ForeignKey(Convention, on_delete=models.CASCADE, related_name="document_jobs")
    requested_by = models.ForeignKey(
        "territories.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    documents = models.ManyToManyField(Document, blank=True, related_name="jobs")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "génération de documents"
        ordering = ["-created_at"]

    def __str__(self):
        return f"Documents de {self.convention} ({self.get_status_display()})"

    @property
    def percent(self):
        return int(100 * self.done / self.total) if self.total else 0

    @property
    def is_active(self):
        return self.status in (self.Status.PENDING, self.Status.RUNNING)


# --- Workflow: versions, deliberations, signatures, audit --------------------------------


def version_path(version, filename):
    return f"versions/{version.convention_id}/v{version.number}/{filename}"


class ConventionVersionQuerySet(models.QuerySet):
    def current(self, convention) -> "ConventionVersion | None":
        """The version in force for the workflow: the newest one not superseded."""
        return self.filter(convention=convention, superseded=False).order_by("-number").first()


class ConventionVersion(ConventionPart):
    """An immutable frozen text: the snapshot that goes to councils and to signature, its
    PDF, and once everyone has signed, the sealed PDF. Nothing here is ever overwritten."""

    class Kind(models.TextChoices):
        INITIAL = "initial", "Convention"
        AMENDMENT = "avenant", "Avenant"

    convention = models.ForeignKey(Convention, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveSmallIntegerField("version")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.INITIAL)
    snapshot = models.JSONField()
    snapshot_sha256 = models.CharField(max_length=64)
    # Rendered after the freeze by a job (empty until then), never again.
    pdf = models.FileField(upload_to=version_path, blank=True)
    pdf_sha256 = models.CharField("empreinte SHA-256 du PDF figé", max_length=64, blank=True)
    frozen_at = models.DateTimeField(auto_now_add=True)
    frozen_by = models.ForeignKey("territories.User", on_delete=models.SET_NULL, null=True, related_name="+")
    superseded = models.BooleanField("remplacée avant délibération", default=False)
    signed_pdf = models.FileField(upload_to=version_path, blank=True)
    signed_sha256 = models.CharField("empreinte SHA-256 du PDF signé", max_length=64, blank=True, db_index=True)
    # The copy for the public: the same text and signatures, sealed too, without the
    # signatories' e-mail and IP addresses.
    public_pdf = models.FileField(upload_to=version_path, blank=True)
    public_sha256 = models.CharField("empreinte SHA-256 de la copie publique", max_length=64, blank=True, db_index=True)
    sealed_at = models.DateTimeField(null=True, blank=True)
    seal_certificate = models.ForeignKey(
        "SealCertificate", on_delete=models.PROTECT, null=True, blank=True, related_name="versions"
    )

    objects = ConventionVersionQuerySet.as_manager()

    class Meta:
        verbose_name = "version figée"
        verbose_name_plural = "versions figées"
        ordering = ["convention", "number"]
        constraints = [models.UniqueConstraint(fields=["convention", "number"], name="version_unique_number")]

    def __str__(self):
        return f"{self.convention} — version {self.number}"


class DeliberationQuerySet(models.QuerySet):
    def pending(self):
        return self.filter(outcome=Deliberation.Outcome.PENDING)

    def rejected(self):
        return self.filter(outcome=Deliberation.Outcome.REJECTED)


class Deliberation(ConventionPart):
    """A party's council deciding on a frozen version, as recorded by the party or the EPCI."""

    class Outcome(models.TextChoices):
        PENDING = "pending", "En attente"
        ADOPTED = "adopted", "Adoptée"
        REJECTED = "rejected", "Rejetée"
        ADJOURNED = "adjourned", "Ajournée"

    convention = models.ForeignKey(Convention, on_delete=models.CASCADE, related_name="deliberations")
    version = models.ForeignKey(ConventionVersion, on_delete=models.PROTECT, related_name="deliberations")
    party = models.ForeignKey(Party, on_delete=models.PROTECT, related_name="deliberations")
    outcome = models.CharField("décision", max_length=10, choices=Outcome.choices, default=Outcome.PENDING)
    due_date = models.DateField("échéance")
    session_date = models.DateField("date de la séance", null=True, blank=True)
    session_number = models.PositiveSmallIntegerField("séance n°", default=0)
    convocation_date = models.DateField("date de la convocation", null=True, blank=True)
    session_time = models.TimeField("heure de la séance", null=True, blank=True)
    session_place = models.CharField(
        "lieu de la séance", max_length=200, blank=True, help_text="« salle du conseil de la mairie »…"
    )
    second_convocation = models.BooleanField("réuni sur seconde convocation (sans condition de quorum)", default=False)
    president_name = models.CharField("président·e de séance", max_length=150, blank=True)
    president_quality = models.CharField(
        "qualité du président ou de la présidente", max_length=150, blank=True, help_text="« Maire », « 1er adjoint »…"
    )
    attendees = models.TextField("membres présents", blank=True, help_text="Un nom par ligne.")
    proxies = models.TextField("pouvoirs", blank=True, help_text="Un par ligne : « Mme X a donné pouvoir à M. Y ».")
    absentees = models.TextField("absents excusés ou non représentés", blank=True, help_text="Un nom par ligne.")
    substitutes = models.TextField(
        "conseillers communautaires suppléants présents", blank=True, help_text="Un nom par ligne (EPCI)."
    )
    casting_vote = models.BooleanField("voix prépondérante du président en cas de partage", default=False)
    in_office = models.PositiveSmallIntegerField("conseillers en exercice", null=True, blank=True)
    present = models.PositiveSmallIntegerField("présents", null=True, blank=True)
    represented = models.PositiveSmallIntegerField("représentés", null=True, blank=True)
    voting = models.PositiveSmallIntegerField("votants", null=True, blank=True)
    votes_for = models.PositiveSmallIntegerField("pour", null=True, blank=True)
    votes_against = models.PositiveSmallIntegerField("contre", null=True, blank=True)
    abstentions = models.PositiveSmallIntegerField("abstentions", null=True, blank=True)
    secretary = models.CharField(
        "secrétaire(s) de séance", max_length=300, blank=True, help_text="Plusieurs : séparés par des virgules."
    )
    act_id = models.CharField("identifiant @ctes", max_length=60, blank=True, db_index=True)
    subject_code = models.CharField(
        "matière (nomenclature @ctes)",
        max_length=5,
        choices=nomenclature.CHOICES,
        default=nomenclature.CTG_SUBJECT,
        help_text="La matière sous laquelle l'acte est transmis en préfecture.",
    )
    sent_to_prefecture = models.DateField("envoyée en préfecture le", null=True, blank=True)
    received_by_prefecture = models.DateField("reçue en préfecture le", null=True, blank=True)
    published_on = models.DateField("publiée le", null=True, blank=True)
    signed_act = models.FileField("acte signé (PDF)", upload_to="deliberations/%Y/", blank=True)
    recorded_by = models.ForeignKey("territories.User", on_delete=models.SET_NULL, null=True, related_name="+")
    recorded_at = models.DateTimeField(null=True, blank=True)
    reminders_sent = models.PositiveSmallIntegerField(default=0)
    last_reminder_at = models.DateTimeField(null=True, blank=True)

    history = HistoricalRecords()
    objects = DeliberationQuerySet.as_manager()

    class Meta:
        verbose_name = "délibération"
        ordering = ["party__signing_group", "party__organisation__name"]
        constraints = [models.UniqueConstraint(fields=["version", "party"], name="deliberation_unique_party")]

    def __str__(self):
        return f"Délibération — {self.party.organisation}"


class SignatureRequest(ConventionPart):
    """One party's signature of a version: its single-use link (hashed), its one-time code
    (hashed), its turn in the signing order, and how it was signed."""

    class Status(models.TextChoices):
        WAITING = "waiting", "En attente de son tour"
        OPEN = "open", "À signer"
        SIGNED = "signed", "Signée"
        BLOCKED = "blocked", "Bloquée (délibération rejetée)"
        EXPIRED = "expired", "Expirée"

    class Method(models.TextChoices):
        ELECTRONIC = "electronic", "Signature électronique sur la plateforme"
        PAPER = "paper", "Signature manuscrite (scan déposé)"

    convention = models.ForeignKey(Convention, on_delete=models.CASCADE, related_name="signature_requests")
    version = models.ForeignKey(ConventionVersion, on_delete=models.PROTECT, related_name="signature_requests")
    party = models.ForeignKey(Party, on_delete=models.PROTECT, related_name="signature_requests")
    signing_group = models.PositiveSmallIntegerField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.WAITING)
    token_hash = models.CharField(max_length=64, unique=True)
    token_expires_at = models.DateTimeField()
    opened_at = models.DateTimeField(null=True, blank=True)
    due_date = models.DateField("échéance", null=True, blank=True)
    otp_hash = models.CharField(max_length=64, blank=True)
    otp_expires_at = models.DateTimeField(null=True, blank=True)
    otp_attempts = models.PositiveSmallIntegerField(default=0)
    signed_at = models.DateTimeField(null=True, blank=True)
    signed_by = models.ForeignKey("territories.User", on_delete=models.SET_NULL, null=True, related_name="+")
    signer_name = models.CharField("signataire", max_length=200, blank=True)
    signer_quality = models.CharField("qualité du signataire", max_length=150, blank=True)
    signer_delegation = models.CharField(
        "délégation", max_length=300, blank=True, help_text="« pour le Maire et par délégation, arrêté n° … du … »."
    )
    method = models.CharField(max_length=12, choices=Method.choices, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    scan = models.FileField("page signée (scan PDF)", upload_to="signatures/%Y/", blank=True)
    reminders_sent = models.PositiveSmallIntegerField(default=0)
    last_reminder_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "demande de signature"
        ordering = ["signing_group", "party__organisation__name"]
        constraints = [models.UniqueConstraint(fields=["version", "party"], name="signature_unique_party")]

    def __str__(self):
        return f"Signature — {self.party.organisation}"


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("Le journal d'audit ne se modifie pas.")

    def delete(self):
        raise PermissionError("Le journal d'audit ne s'efface pas.")


class AuditEvent(ConventionPart):
    """An append-only record of a workflow event."""

    convention = models.ForeignKey(Convention, on_delete=models.PROTECT, related_name="audit_events")
    version = models.ForeignKey(ConventionVersion, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    kind = models.CharField(max_length=40, db_index=True)
    message = models.TextField()
    actor = models.ForeignKey("territories.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    party = models.ForeignKey(Party, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = "événement du journal"
        ordering = ["created_at", "pk"]

    def __str__(self):
        return f"{self.created_at:%d/%m/%Y %H:%M} {self.message}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("Le journal d'audit ne se modifie pas.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("Le journal d'audit ne s'efface pas.")


# --- Committees -----------------------------------------------------------------------------


class Committee(ConventionPart):
    class Kind(models.TextChoices):
        STEERING = "copil", "Comité de pilotage"
        TECHNICAL = "cotech", "Comité technique"
        THEMATIC = "commission", "Commission thématique"
        OTHER = "autre", "Autre instance (groupe projet, groupe d'élus…)"

    convention = models.ForeignKey(Convention, on_delete=models.CASCADE, related_name="committees")
    kind = models.CharField("type", max_length=12, choices=Kind.choices)
    name = models.CharField("nom", max_length=200, blank=True, help_text="Pour une commission : son thème.")
    organisations = models.ManyToManyField(
        Organisation, blank=True, related_name="committees", verbose_name="organisations membres"
    )
    people = models.ManyToManyField(
        "territories.User",
        blank=True,
        related_name="committees",
        verbose_name="membres des parties",
        help_text="Les personnes des organisations parties qui siègent au comité.",
    )
    members = models.TextField(
        "autres membres", blank=True, help_text="Personnes extérieures aux parties, une par ligne : nom, qualité."
    )
    composition = models.CharField(
        "composition",
        max_length=500,
        blank=True,
        help_text="Telle que la convention l'écrit : « les élus référents des communes et les techniciens de la Caf ».",
    )
    rhythm = models.CharField("rythme", max_length=200, blank=True, help_text="« au moins deux fois par an »")
    role = models.TextField("rôle", blank=True, help_text="Ce que l'instance fait : valider, arbitrer, suivre…")
    position = models.PositiveSmallIntegerField("rang", default=0)

    class Meta:
        verbose_name = "comité"
        ordering = ["position", "kind", "name"]

    def __str__(self):
        return self.name or self.get_kind_display()


def minutes_path(meeting, filename):
    return f"committees/{meeting.committee.convention_id}/{meeting.committee_id}/{filename}"


class Meeting(ConventionPart):
    convention = models.ForeignKey(Convention, on_delete=models.CASCADE, related_name="meetings")
    committee = models.ForeignKey(Committee, on_delete=models.CASCADE, related_name="meetings")
    date = models.DateField("date")
    agenda = models.TextField("ordre du jour", blank=True)
    attendees = models.TextField("présents", blank=True, help_text="Une personne par ligne.")
    minutes = models.FileField("compte rendu (PDF)", upload_to=minutes_path, blank=True)
    notes = models.TextField("relevé de décisions", blank=True)
    sheets = models.ManyToManyField(
        "actions.ActionSheet", blank=True, related_name="meetings", verbose_name="fiches concernées par les décisions"
    )

    class Meta:
        verbose_name = "réunion"
        ordering = ["-date"]

    def __str__(self):
        return f"{self.committee} du {self.date:%d/%m/%Y}"


class SealCertificate(models.Model):
    """A certificate the platform has sealed or timestamped with, kept for ever: a document
    sealed before a renewal is verified against the certificate of its time."""

    class Purpose(models.TextChoices):
        SEAL = "seal", "cachet de la plateforme"
        TIMESTAMP = "timestamp", "autorité d'horodatage"

    purpose = models.CharField("usage", max_length=10, choices=Purpose.choices)
    fingerprint = models.CharField("empreinte SHA-256", max_length=64, unique=True)
    subject = models.CharField("sujet", max_length=500)
    issuer = models.CharField("émetteur", max_length=500)
    serial_number = models.CharField("numéro de série", max_length=100)
    not_before = models.DateTimeField("valide du")
    not_after = models.DateTimeField("valide jusqu'au")
    self_signed = models.BooleanField("auto-signé", default=False)
    der = models.BinaryField("certificat (DER)")
    recorded_at = models.DateTimeField("enregistré le", auto_now_add=True)

    class Meta:
        verbose_name = "certificat de la plateforme"
        verbose_name_plural = "certificats de la plateforme"
        ordering = ["purpose", "-not_before"]

    def __str__(self):
        return f"{self.subject} ({self.formatted_fingerprint[:23]}…)"

    @property
    def formatted_fingerprint(self) -> str:
        """AB:CD:…, as certificate viewers show it."""
        return ":".join(self.fingerprint[i : i + 2] for i in range(0, len(self.fingerprint), 2)).upper()

    def valid_at(self, moment) -> bool:
        return self.not_before <= moment <= self.not_after
