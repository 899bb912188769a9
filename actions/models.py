from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import connection, models
from django.db.models import Case, Exists, F, OuterRef, Q, Value, When
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from ctg.lib.typography import fr_number
from ctg.models import Convention, ConventionPart
from diagnostics.models import InterventionField
from territories.models import Commune, Organisation


class TargetPublic(models.TextChoices):
    EARLY_CHILDHOOD = "0-3", "Petite enfance (0-3 ans)"
    CHILDREN = "3-11", "Enfance (3-11 ans)"
    YOUTH = "12-25", "Jeunesse (12-25 ans)"
    FAMILIES = "familles", "Familles et parents"
    SENIORS = "seniors", "Personnes âgées"
    DISABILITY = "handicap", "Personnes en situation de handicap"
    FRAGILE = "fragiles", "Publics fragiles"
    TRAVELLERS = "gens-du-voyage", "Gens du voyage"
    PROFESSIONALS = "professionnels", "Professionnels et acteurs locaux"
    ALL = "tous", "Tous les habitants"


def own_number():
    """The number a convention gives to an axis, objective or sheet, when it is not its place in
    the plan: « A », « 2.4 », « 12 »."""
    return models.CharField(
        "numéro propre",
        max_length=20,
        blank=True,
        help_text="Le numéro que la convention lui donne, s'il n'est pas celui de l'ordre du plan (« A », « 2.4 », « 12 »).",
    )


class Axis(ConventionPart):
    """An axe (or enjeu, impact: CTGs name them differently) of the action plan."""

    convention = models.ForeignKey(Convention, on_delete=models.CASCADE, related_name="axes")
    position = models.PositiveSmallIntegerField(default=1)
    code = own_number()
    title = models.CharField("intitulé", max_length=255)
    description = models.TextField("description", blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "axe"
        ordering = ["position", "pk"]

    def __str__(self):
        return f"{self.number}. {self.title}"

    @property
    def number(self):
        return self.code or str(self.position)


class Objective(ConventionPart):
    """An objectif (or orientation) of an axis."""

    axis = models.ForeignKey(Axis, on_delete=models.CASCADE, related_name="objectives")
    convention = models.ForeignKey(Convention, on_delete=models.CASCADE, related_name="objectives")
    position = models.PositiveSmallIntegerField(default=1)
    code = own_number()
    title = models.CharField("intitulé", max_length=255)
    description = models.TextField("description", blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "objectif"
        ordering = ["axis__position", "position", "pk"]

    def __str__(self):
        return f"{self.number} {self.title}"

    @property
    def number(self):
        return self.code or f"{self.axis.number}.{self.position}"


class SheetStatus(models.TextChoices):
    TO_START = "a_lancer", "À lancer"
    ONGOING = "en_cours", "En cours"
    DONE = "realisee", "Réalisée"
    POSTPONED = "reportee", "Reportée"
    ABANDONED = "abandonnee", "Abandonnée"


OPEN_STATUSES = (SheetStatus.TO_START, SheetStatus.ONGOING)


class ActionSheetQuerySet(models.QuerySet):
    def with_late(self, today=None):
        """Annotate `is_late`: open, and past its end date or with a step past due."""
        today = today or timezone.localdate()
        overdue_step = Step.objects.filter(sheet=OuterRef("pk"), done=False, end_date__lt=today)
        return self.annotate(
            is_late=Case(
                When(
                    Q(status__in=OPEN_STATUSES) & (Q(end_date__lt=today) | Exists(overdue_step)),
                    then=Value(True),
                ),
                default=Value(False),
                output_field=models.BooleanField(),
            )
        )

    def late(self, today=None):
        return self.with_late(today).filter(is_late=True)

    def stale(self, now=None):
        """Open sheets of conventions in force whose pilot has not updated them for
        SHEET_STALE_MONTHS months (counted from the signature when never updated)."""
        return self.filter(_stale(now))

    def piloted_by_a_party(self):
        """Sheets whose pilot is still a party of their convention: an organisation removed
        from the parties is neither reminded nor notified of the sheets it used to pilot."""
        return self.filter(convention__parties__organisation_id=F("pilot_id"))

    def with_stale(self, now=None):
        """Annotate `is_stale` (see `stale`)."""
        return self.annotate(
            is_stale=Case(When(_stale(now), then=Value(True)), default=Value(False), output_field=models.BooleanField())
        )

    def names_of(self, sheet, *relations: str) -> dict[str, list[str]]:
        """{relation: names} of the sheet's many-to-many lists ("partners", "communes",
        "fields"), in one query written from the models' tables: a query each, built by the
        ORM, cost more than the page around them."""
        quote = connection.ops.quote_name
        parts = []
        for position, name in enumerate(relations):
            field = self.model._meta.get_field(name)
            through, target = field.remote_field.through._meta, field.related_model._meta
            # In the target's own order: a reference list by its position, others by name.
            rank = f"t.{quote('position')}" if any(f.name == "position" for f in target.fields) else "0"
            parts.append(
                f"SELECT {position}, {rank}, t.{quote('name')} FROM {quote(through.db_table)} m"  # noqa: S608 - model names
                f" JOIN {quote(target.db_table)} t ON t.{quote(target.pk.column)} = m.{quote(field.m2m_reverse_name())}"
                f" WHERE m.{quote(field.m2m_column_name())} = %s"
            )
        names = {name: [] for name in relations}
        with connection.cursor() as cursor:
            cursor.execute(" UNION ALL ".join(parts) + " ORDER BY 1, 2, 3", [sheet.pk] * len(parts))
            for position, _rank, value in cursor.fetchall():
                names[relations[position]].append(value)
        return names

    def with_numbers(self):
        return self.select_related("objective__axis")

    def for_overview(self):
        """What lists and dashboards show of a sheet (its number, title, status, progress, end),
        without the long texts."""
        return self.with_numbers().only(*OVERVIEW_COLUMNS)


class SheetsInPlanOrder:
    """Sheets of many conventions in the order of the lists (convention title, then plan
    order), as a sequence Django's Paginator can page through.

    Sorting every sheet of a CAF by its axis and objective positions joins three tables for
    thousands of rows to show a page of them. Here one grouped query counts the sheets per
    convention (in title order); a page then sorts the sheets of the few conventions it spans."""

    def __init__(self, sheets):
        self.sheets = sheets
        rows = (
            sheets.order_by()
            .values("convention_id", "convention__title")
            .annotate(n=models.Count("pk"))
            .order_by("convention__title", "convention_id")
        )
        self.blocks = [(row["convention_id"], row["n"]) for row in rows]

    def count(self) -> int:
        return sum(n for _, n in self.blocks)

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, window: slice) -> list:
        start, stop = window.start or 0, window.stop if window.stop is not None else self.count()
        spanned, offset, first = [], 0, None
        for convention_id, n in self.blocks:
            if offset + n > start and offset < stop:
                spanned.append(convention_id)
                first = offset if first is None else first
            offset += n
        if not spanned:
            return []
        in_order = self.sheets.filter(convention_id__in=spanned).order_by(
            "convention__title", "convention_id", "objective__axis__position", "objective__position", "position"
        )
        return list(in_order[start - first : stop - first])


# The columns of a sheet's overview (`ActionSheetQuerySet.for_overview`).
OVERVIEW_COLUMNS = (
    "convention_id",
    "objective__position",
    "objective__code",
    "objective__axis__position",
    "objective__axis__code",
    "objective__axis__title",
    "position",
    "code",
    "title",
    "status",
    "progress",
    "end_date",
    "pilot_id",
)


def _stale(now=None) -> Q:
    limit = (now or timezone.now()) - relativedelta(months=settings.SHEET_STALE_MONTHS)
    return Q(convention__status__in=["signed", "in_force"], status__in=OPEN_STATUSES) & (
        Q(followed_up_at__lt=limit) | Q(followed_up_at__isnull=True, convention__updated_at__lt=limit)
    )


# Named, so that the spreadsheet import can write one record per sheet once its lists are
# saved (actions/resources.py) instead of one per list.
# Every column is kept (the history page leaves out the bookkeeping ones): with a column
# excluded, django-simple-history reads the sheet again for each list it copies, three more
# queries on every save.
SHEET_HISTORY = HistoricalRecords(m2m_fields=["communes", "partners", "fields"])


class ActionSheet(ConventionPart):
    """A fiche action."""

    convention = models.ForeignKey(Convention, on_delete=models.CASCADE, related_name="sheets")
    objective = models.ForeignKey(Objective, on_delete=models.CASCADE, related_name="sheets", verbose_name="objectif")
    position = models.PositiveSmallIntegerField(default=1)
    code = own_number()
    title = models.CharField("intitulé", max_length=255)
    context = models.TextField("contexte et constats", blank=True)
    aims = models.TextField("objectifs opérationnels", blank=True)
    description = models.TextField("description de l'action", blank=True)
    target_publics = models.JSONField("publics visés", default=list, blank=True)
    whole_territory = models.BooleanField("tout le territoire", default=True)
    communes = models.ManyToManyField(
        Commune, blank=True, related_name="action_sheets", verbose_name="communes concernées"
    )
    fields = models.ManyToManyField(
        InterventionField, blank=True, related_name="action_sheets", verbose_name="champs d'intervention"
    )
    pilot = models.ForeignKey(
        Organisation,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="piloted_sheets",
        verbose_name="pilote",
    )
    pilot_contact = models.CharField("contact du pilote", max_length=200, blank=True)
    elected_referent = models.CharField("élu·e référent·e", max_length=200, blank=True)
    partners = models.ManyToManyField(
        Organisation, blank=True, related_name="partner_sheets", verbose_name="partenaires"
    )
    other_partners = models.CharField("autres partenaires", max_length=500, blank=True)
    start_date = models.DateField("début", null=True, blank=True)
    end_date = models.DateField("fin", null=True, blank=True)
    status = models.CharField("statut", max_length=12, choices=SheetStatus.choices, default=SheetStatus.TO_START)
    progress = models.PositiveSmallIntegerField("avancement (%)", default=0, validators=[MaxValueValidator(100)])
    links = models.TextField("documents et liens", blank=True, help_text="Un lien par ligne.")
    updated_at = models.DateTimeField("mise à jour", auto_now=True)
    previous = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="continuations",
        verbose_name="fiche de la CTG précédente",
    )
    # Follow-up of a convention in force: the pilot's last update and the last reminder.
    followed_up_at = models.DateTimeField("dernier suivi", null=True, blank=True, db_index=True)
    follow_up_reminded_at = models.DateTimeField(null=True, blank=True)

    history = SHEET_HISTORY
    objects = ActionSheetQuerySet.as_manager()

    class Meta:
        verbose_name = "fiche action"
        verbose_name_plural = "fiches action"
        ordering = ["objective__axis__position", "objective__position", "position", "pk"]
        indexes = [models.Index(fields=["convention", "status"])]
        constraints = [
            models.CheckConstraint(name="sheet_progress_percent", condition=Q(progress__lte=100)),
        ]

    def __str__(self):
        return f"Fiche {self.number} — {self.title}"

    def get_absolute_url(self):
        return reverse("sheet_detail", kwargs={"convention_pk": self.convention_id, "sheet_pk": self.pk})

    @property
    def number(self):
        return self.code or f"{self.objective.number}.{self.position}"

    @property
    def target_public_labels(self):
        labels = dict(TargetPublic.choices)
        return [labels.get(code, code) for code in self.target_publics]


class Step(models.Model):
    """A sous-action with its own dates."""

    sheet = models.ForeignKey(ActionSheet, on_delete=models.CASCADE, related_name="steps")
    title = models.CharField("étape", max_length=255)
    start_date = models.DateField("début", null=True, blank=True)
    end_date = models.DateField("fin", null=True, blank=True)
    done = models.BooleanField("faite", default=False)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "étape"
        ordering = ["start_date", "pk"]
        # "Is this sheet late?" looks for its open steps past due, for every sheet of a list.
        indexes = [models.Index(fields=["end_date"], condition=Q(done=False), name="step_open_by_end_date")]

    def __str__(self):
        return self.title


class BudgetLine(models.Model):
    """Planned (and later spent) means of a sheet for one year."""

    class Kind(models.TextChoices):
        OPERATING = "fonctionnement", "Fonctionnement"
        INVESTMENT = "investissement", "Investissement"

    class Unit(models.TextChoices):
        EUROS = "euros", "€"
        FTE = "etp", "ETP"

    sheet = models.ForeignKey(ActionSheet, on_delete=models.CASCADE, related_name="budget_lines")
    year = models.PositiveSmallIntegerField("année")
    kind = models.CharField("nature", max_length=15, choices=Kind.choices, default=Kind.OPERATING)
    unit = models.CharField("unité", max_length=5, choices=Unit.choices, default=Unit.EUROS)
    planned = models.DecimalField("prévu", max_digits=12, decimal_places=2, default=0)
    spent = models.DecimalField("réalisé", max_digits=12, decimal_places=2, null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "ligne de budget"
        ordering = ["year", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["sheet", "year", "kind", "unit"], name="budget_line_unique_year_kind")
        ]

    def __str__(self):
        return f"{self.year}, {self.get_kind_display().lower()} : {fr_number(self.planned)} {self.get_unit_display()}"


class FundingLine(models.Model):
    class Status(models.TextChoices):
        PLANNED = "envisage", "Envisagé"
        REQUESTED = "sollicite", "Sollicité"
        GRANTED = "acquis", "Acquis"

    sheet = models.ForeignKey(ActionSheet, on_delete=models.CASCADE, related_name="funding_lines")
    funder = models.CharField("financeur", max_length=200)
    amount = models.DecimalField("montant (€)", max_digits=12, decimal_places=2)
    year = models.PositiveSmallIntegerField("année", null=True, blank=True)
    status = models.CharField("statut", max_length=10, choices=Status.choices, default=Status.PLANNED)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "financement"
        ordering = ["year", "funder"]

    def __str__(self):
        return f"{self.funder} : {fr_number(self.amount)} €"


class EvaluationIndicator(models.Model):
    sheet = models.ForeignKey(ActionSheet, on_delete=models.CASCADE, related_name="evaluation_indicators")
    label = models.CharField("indicateur d'évaluation", max_length=255)
    unit = models.CharField("unité", max_length=30, blank=True)
    baseline = models.DecimalField("valeur de départ", max_digits=14, decimal_places=2, null=True, blank=True)
    target = models.DecimalField("cible", max_digits=14, decimal_places=2, null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "indicateur d'évaluation"
        ordering = ["pk"]

    def __str__(self):
        return self.label


class IndicatorMeasure(models.Model):
    indicator = models.ForeignKey(EvaluationIndicator, on_delete=models.CASCADE, related_name="measures")
    year = models.PositiveSmallIntegerField("année")
    value = models.DecimalField("valeur mesurée", max_digits=14, decimal_places=2)

    class Meta:
        verbose_name = "mesure"
        ordering = ["year"]
        constraints = [models.UniqueConstraint(fields=["indicator", "year"], name="measure_unique_year")]

    def __str__(self):
        return f"{self.year} : {self.value}"


class PendingSheetImport(ConventionPart):
    """An uploaded spreadsheet waiting for the user to confirm its preview."""

    convention = models.ForeignKey(Convention, on_delete=models.CASCADE, related_name="pending_sheet_imports")
    user = models.ForeignKey("territories.User", on_delete=models.CASCADE, related_name="+")
    filename = models.CharField(max_length=255)
    content = models.BinaryField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "import de fiches en attente"

    def __str__(self):
        return self.filename


class SheetUpdate(ConventionPart):
    """A dated entry of a sheet's log: what its pilot reported."""

    convention = models.ForeignKey(Convention, on_delete=models.CASCADE, related_name="sheet_updates")
    sheet = models.ForeignKey(ActionSheet, on_delete=models.CASCADE, related_name="updates")
    author = models.ForeignKey("territories.User", on_delete=models.SET_NULL, null=True, related_name="+")
    organisation = models.ForeignKey(Organisation, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField("date", default=timezone.now, db_index=True)
    note = models.TextField("point d'étape", max_length=5000)
    status_before = models.CharField(max_length=12, choices=SheetStatus.choices)
    status_after = models.CharField(max_length=12, choices=SheetStatus.choices)
    progress_before = models.PositiveSmallIntegerField()
    progress_after = models.PositiveSmallIntegerField()
    figures = models.JSONField("chiffres saisis", default=dict, blank=True)

    class Meta:
        verbose_name = "mise à jour de fiche"
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.sheet} — {self.created_at:%d/%m/%Y}"
