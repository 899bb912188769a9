from django.core.exceptions import ValidationError
from django.db import models
from simple_history.models import HistoricalRecords

from ctg.models import Convention, ConventionPart


class InterventionField(models.Model):
    """A champ d'intervention of the CTGs (petite enfance, jeunesse…): a reference list staff extend."""

    code = models.SlugField("code", max_length=40, unique=True)
    name = models.CharField("nom", max_length=120)
    position = models.PositiveSmallIntegerField("ordre", default=0)
    is_active = models.BooleanField("proposé", default=True)

    class Meta:
        verbose_name = "champ d'intervention"
        verbose_name_plural = "champs d'intervention"
        ordering = ["position", "name"]

    def __str__(self):
        return self.name


class Diagnostic(ConventionPart):
    """The shared diagnostic's text parts and its method."""

    convention = models.OneToOneField(Convention, on_delete=models.CASCADE, related_name="diagnostic")
    summary = models.TextField("synthèse du diagnostic", blank=True)
    interviews = models.TextField(
        "entretiens",
        blank=True,
        help_text="Qui a été rencontré, combien d'entretiens, sur quelles questions.",
    )
    interviews_count = models.PositiveIntegerField("nombre d'entretiens", null=True, blank=True)
    survey_description = models.TextField("enquête auprès des habitants", blank=True)
    survey_answers = models.PositiveIntegerField("nombre de réponses à l'enquête", null=True, blank=True)
    sources = models.TextField("autres sources", blank=True, help_text="ABS, étude famille, données Caf, Insee…")
    previous_evaluation = models.TextField("évaluation de la CTG précédente", blank=True)
    consultant = models.CharField(
        "réalisé avec", max_length=255, blank=True, help_text="Le cabinet ou le service qui a conduit le diagnostic."
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = "diagnostic partagé"

    def __str__(self):
        return f"Diagnostic — {self.convention}"


class Workshop(ConventionPart):
    convention = models.ForeignKey(Convention, on_delete=models.CASCADE, related_name="workshops")
    title = models.CharField("atelier", max_length=200)
    date = models.DateField("date")
    participants = models.PositiveIntegerField("participants", null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "atelier"
        ordering = ["date", "title"]

    def __str__(self):
        return self.title


class DiagnosticSection(ConventionPart):
    """A heading of the diagnostic as the convention names it (« Démographie et familles »,
    « Accès aux droits »), tagged with a national intervention field for CAF-wide figures."""

    convention = models.ForeignKey(Convention, on_delete=models.CASCADE, related_name="diagnostic_sections")
    title = models.CharField("intitulé", max_length=200)
    field = models.ForeignKey(
        InterventionField,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        verbose_name="champ d'intervention national",
        help_text="Pour les statistiques de la Caf ; n'apparaît pas dans la convention.",
    )
    position = models.PositiveIntegerField("rang", default=0)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "rubrique du diagnostic"
        ordering = ["position", "pk"]

    def __str__(self):
        return self.title


class Indicator(ConventionPart):
    """A key figure of the territory, with its year, source and comparisons."""

    convention = models.ForeignKey(Convention, on_delete=models.CASCADE, related_name="indicators")
    field = models.ForeignKey(
        InterventionField,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        verbose_name="champ d'intervention",
    )
    section = models.ForeignKey(
        DiagnosticSection,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="indicators",
        verbose_name="rubrique du diagnostic",
    )
    label = models.CharField("indicateur", max_length=200)
    value = models.DecimalField("valeur", max_digits=14, decimal_places=2)
    unit = models.CharField("unité", max_length=30, blank=True, help_text="%, habitants, places, €…")
    year = models.PositiveSmallIntegerField("année")
    source = models.CharField("source", max_length=200, blank=True)
    departement_value = models.DecimalField(
        "valeur départementale", max_digits=14, decimal_places=2, null=True, blank=True
    )
    france_value = models.DecimalField("valeur France", max_digits=14, decimal_places=2, null=True, blank=True)
    position = models.PositiveIntegerField(default=0)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "indicateur"
        ordering = ["field__position", "position", "pk"]

    def __str__(self):
        return self.label


class Finding(ConventionPart):
    """A SWOT finding of the diagnostic for one intervention field."""

    class Kind(models.TextChoices):
        STRENGTH = "force", "Force"
        WEAKNESS = "faiblesse", "Faiblesse"
        OPPORTUNITY = "opportunite", "Opportunité"
        THREAT = "menace", "Menace"

    convention = models.ForeignKey(Convention, on_delete=models.CASCADE, related_name="findings")
    section = models.ForeignKey(
        DiagnosticSection,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="findings",
        verbose_name="rubrique du diagnostic",
    )
    field = models.ForeignKey(
        InterventionField, on_delete=models.PROTECT, null=True, blank=True, verbose_name="champ d'intervention"
    )
    kind = models.CharField("type", max_length=12, choices=Kind.choices)
    text = models.TextField("constat", max_length=2000)
    position = models.PositiveIntegerField(default=0)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "constat"
        ordering = ["position", "pk"]

    def __str__(self):
        return self.text[:80]

    def save(self, *args, **kwargs):
        # A finding filed under a heading tagged with a national field counts in that field's figures.
        if self.field_id is None and self.section_id is not None:
            self.field_id = self.section.field_id
        super().save(*args, **kwargs)

    def clean(self):
        if self.field_id is None and self.section_id is None:
            raise ValidationError("Rattachez le constat à une rubrique du diagnostic ou à un champ d'intervention.")


class Need(ConventionPart):
    """An enjeu (identified need) of the territory."""

    class Priority(models.IntegerChoices):
        HIGH = 1, "Prioritaire"
        MEDIUM = 2, "Importante"
        LOW = 3, "À suivre"

    convention = models.ForeignKey(Convention, on_delete=models.CASCADE, related_name="needs")
    field = models.ForeignKey(
        InterventionField,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        verbose_name="champ d'intervention",
    )
    title = models.CharField("enjeu", max_length=255)
    description = models.TextField("description", blank=True)
    priority = models.PositiveSmallIntegerField("priorité", choices=Priority.choices, default=Priority.MEDIUM)
    position = models.PositiveIntegerField(default=0)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "enjeu"
        ordering = ["priority", "position", "pk"]

    def __str__(self):
        return self.title
