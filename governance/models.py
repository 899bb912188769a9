from django.db import models
from simple_history.models import HistoricalRecords

from ctg.models import Convention, ConventionPart
from territories.models import Organisation


class PartyQuerySet(models.QuerySet):
    def signing_order(self):
        return self.order_by("signing_group", "organisation__name")


class Party(ConventionPart):
    """A signatory of the convention: an organisation and the person who signs for it."""

    convention = models.ForeignKey(Convention, on_delete=models.CASCADE, related_name="parties")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="parties")
    representative_name = models.CharField("nom du ou de la représentant·e", max_length=150, blank=True)
    representative_title = models.CharField(
        "qualité", max_length=150, blank=True, help_text="« Le Président », « La Maire », « Le Directeur »…"
    )
    needs_deliberation = models.BooleanField("délibération nécessaire", default=False)
    signing_group = models.PositiveSmallIntegerField(
        "ordre de signature",
        default=1,
        help_text="Les parties d'un même rang signent en parallèle ; le rang suivant signe ensuite.",
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
    def content_type(self):
        if self.kind == self.Kind.DELIBERATION_DOCX:
            return "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
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
