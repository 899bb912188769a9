from datetime import date, timedelta

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.db import connection, models, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase
from simple_history.models import HistoricalRecords

from ctg.lib.models import Heartbeat, OutboundEmail  # noqa: F401 - models of the ctg app
from ctg.lifecycle import EDITABLE, FOLLOWED_UP, RENEWABLE, Status, TransitionError, check_transition
from territories.models import EPCI, Commune, Organisation, User
from territories.text import search_key

MIN_YEARS, MAX_YEARS = 3, 5


class ConventionQuerySet(models.QuerySet):
    def for_user(self, user, perm="ctg.view_convention"):
        """Conventions on which `user` holds `perm` through one of their organisations."""
        if not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_superuser:
            return self.all()
        # One semi-join on guardian's direct foreign-key tables: the planner estimates it well,
        # where guardian's own OR of two subqueries made it hash every commune of France.
        # The tables hold conventions' permissions only: the codename is enough.
        through_groups, personal = rights_of(user, permission__codename=perm.removeprefix("ctg."))
        return self.filter(
            pk__in=through_groups.values("content_object_id").union(personal.values("content_object_id"))
        )

    def part_counts(self, convention, *relations: str) -> dict[str, int]:
        """{relation: how many rows the convention has} for reverse relations ("parties",
        "sheets"…), in one small query. Written in SQL from the models' own table and column
        names: the ORM took longer to build these subqueries than the database to run them."""
        counts = []
        for name in relations:
            relation = self.model._meta.get_field(name)
            table = connection.ops.quote_name(relation.related_model._meta.db_table)
            column = connection.ops.quote_name(relation.field.column)
            counts.append(f"(SELECT COUNT(*) FROM {table} WHERE {column} = %s)")  # noqa: S608 - model names
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {', '.join(counts)}", [convention.pk] * len(counts))  # noqa: S608 - names from the models
            return dict(zip(relations, cursor.fetchone(), strict=True))

    def with_territory(self):
        return self.select_related("epci", "commune", "caf")

    def in_departement(self, code):
        return self.filter(Q(commune__departement__code=code) | Q(epci__communes__departement__code=code)).distinct()


class Convention(models.Model):
    """A Convention territoriale globale: a CAF, a territory (an EPCI or a commune), a period."""

    title = models.CharField("intitulé", max_length=255)
    epci = models.ForeignKey(
        EPCI, on_delete=models.PROTECT, null=True, blank=True, related_name="conventions", verbose_name="EPCI"
    )
    commune = models.ForeignKey(
        Commune,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="conventions",
        verbose_name="commune",
    )
    caf = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="owned_conventions",
        limit_choices_to={"kind": Organisation.Kind.CAF},
        verbose_name="Caf",
    )
    start_date = models.DateField("début")
    end_date = models.DateField("fin")
    previous = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="renewals",
        verbose_name="CTG précédente",
    )
    # The CTG this one follows when it is not on the platform (a CTG signed before, a CEJ).
    previous_reference = models.CharField("CTG précédente (hors plateforme)", max_length=300, blank=True)
    status = models.CharField("statut", max_length=20, choices=Status.choices, default=Status.DRAFT, editable=False)
    summary = models.TextField("présentation", blank=True)
    subtitle = models.CharField(
        "sous-titre", max_length=255, blank=True, help_text="« Projet social de territoire », « Grandir ensemble »…"
    )
    website = models.URLField("site internet du territoire", blank=True)
    # How this convention names the three levels of its plan: « Enjeu », « Orientation », « Priorité »…
    axis_label = models.CharField("nom du premier niveau du plan", max_length=40, default="Axe")
    objective_label = models.CharField("nom du deuxième niveau", max_length=40, default="Objectif")
    sheet_label = models.CharField("nom des fiches", max_length=40, default="Fiche action")
    is_published = models.BooleanField(
        "publier sur une page publique",
        default=False,
        help_text="Une fois signée, la convention est lisible sans compte ; un QR code vers cette page figure sur la couverture du PDF.",
    )
    # Denormalised for the lists: the départements of the territory, words to search.
    departements = models.ManyToManyField(
        "territories.Departement", blank=True, related_name="conventions", editable=False
    )
    search_text = models.CharField(max_length=600, blank=True, editable=False, db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", editable=False
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])
    objects = ConventionQuerySet.as_manager()

    class Meta:
        verbose_name = "convention"
        ordering = ["-start_date", "title"]
        permissions = [
            ("comment_convention", "Commenter la convention"),
            ("manage_convention", "Piloter la convention (parties, statut)"),
        ]
        constraints = [
            models.CheckConstraint(
                name="convention_one_territory",
                condition=(Q(epci__isnull=False, commune__isnull=True) | Q(epci__isnull=True, commune__isnull=False)),
            ),
            models.CheckConstraint(name="convention_period_order", condition=Q(end_date__gt=models.F("start_date"))),
        ]
        indexes = [models.Index(fields=["status"])]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        self.search_text = self.build_search_text()
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("convention_detail", kwargs={"convention_pk": self.pk})

    def build_search_text(self) -> str:
        return search_key(f"{self.title} {self.territory_name} {self.caf.name}")[:600]

    @property
    def territory(self):
        return self.epci or self.commune

    @property
    def territory_name(self):
        return self.epci.name if self.epci_id else self.commune.name

    @property
    def period_label(self):
        return f"{self.start_date.year}-{self.end_date.year}"

    @property
    def is_editable(self) -> bool:
        return self.status in EDITABLE

    @property
    def is_followed_up(self) -> bool:
        """Frozen and until it ends: its sheets' pilots report on them."""
        return self.status in FOLLOWED_UP

    @property
    def is_renewable(self) -> bool:
        """Signed (in force or ended), and ending within a year: the next CTG is prepared."""
        return self.status in RENEWABLE and self.end_date <= timezone.localdate() + timedelta(days=365)

    def clean(self):
        if bool(self.epci_id) == bool(self.commune_id):
            raise ValidationError("Choisissez le territoire couvert : une intercommunalité ou une commune.")
        validate_period(self.start_date, self.end_date)
        if self.caf_id and self.caf.kind != Organisation.Kind.CAF:
            raise ValidationError({"caf": "L'organisation signataire pour la Caf doit être une Caf."})
        if self.caf_id:
            self.check_caf_covers_territory()

    def check_caf_covers_territory(self) -> None:
        """The CAF of a convention is the CAF of (one of) the territory's départements."""
        if not self.caf.departements.filter(pk__in=self.territory_departement_ids()).exists():
            raise ValidationError(
                {"caf": f"{self.caf.name} ne couvre pas le territoire de {self.territory_name} : choisissez sa Caf."}
            )

    def territory_departement_ids(self) -> set[int]:
        if self.epci_id:
            return set(self.epci.communes.values_list("departement_id", flat=True)) - {None}
        return {self.commune.departement_id} - {None}

    # --- lifecycle: the only way to change `status` -----------------------------------------

    def transition(self, target: str, *, by=None) -> None:
        """Move to `target` or raise TransitionError with the reason."""
        with transaction.atomic():
            current = type(self).objects.select_for_update().values_list("status", flat=True).get(pk=self.pk)
            check_transition(current, target)
            if target == Status.REVIEW and not self.axes.exists():
                raise TransitionError("Le plan d'actions est vide : ajoutez au moins un axe avant la relecture.")
            self.status = target
            self._change_reason = f"statut : {Status(current).label} → {Status(target).label}"
            self.save(update_fields=["status", "updated_at"])

    def submit_for_review(self, *, by=None):
        self.transition(Status.REVIEW, by=by)

    def back_to_draft(self, *, by=None):
        self.transition(Status.DRAFT, by=by)


def validate_period(start: date | None, end: date | None) -> None:
    """A CTG lasts 3 to 5 years: 2025-01-01 → 2028-12-31 is four years."""
    if not start or not end:
        return
    if end <= start:
        raise ValidationError({"end_date": "La date de fin doit suivre la date de début."})
    span = relativedelta(end + relativedelta(days=1), start)
    months = span.years * 12 + span.months + (1 if span.days else 0)
    if months < MIN_YEARS * 12 or months > MAX_YEARS * 12:
        duration = f"{months // 12} an(s) et {months % 12} mois"
        raise ValidationError({"end_date": f"Une CTG dure de {MIN_YEARS} à {MAX_YEARS} ans (ici : {duration})."})


class ConventionUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Convention, on_delete=models.CASCADE)


class ConventionGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Convention, on_delete=models.CASCADE)


def codenames_on(user, convention) -> set[str]:
    """The codenames `user` holds on `convention`, through the groups of their organisations
    or personally, in one query written from the models' tables: on every page of a
    convention, the ORM's union of two querysets cost more to build than to run."""
    quote = connection.ops.quote_name
    group_rights, user_rights = ConventionGroupObjectPermission._meta, ConventionUserObjectPermission._meta
    permissions = quote(Permission._meta.db_table)
    user_groups = User.groups.through._meta
    sql = (
        f"SELECT p.codename FROM {quote(group_rights.db_table)} r"  # noqa: S608 - model names
        f" JOIN {permissions} p ON p.id = r.permission_id"
        f" JOIN {quote(user_groups.db_table)} m ON m.group_id = r.group_id"
        " WHERE m.user_id = %s AND r.content_object_id = %s"
        f" UNION SELECT p.codename FROM {quote(user_rights.db_table)} r"
        f" JOIN {permissions} p ON p.id = r.permission_id"
        " WHERE r.user_id = %s AND r.content_object_id = %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [user.pk, convention.pk, user.pk, convention.pk])
        return {codename for (codename,) in cursor.fetchall()}


def rights_of(user, **lookup):
    """Guardian's rows that give `user` rights on conventions: through the groups of their
    organisations, and personally (given in the admin)."""
    return (
        ConventionGroupObjectPermission.objects.filter(group__user=user, **lookup),
        ConventionUserObjectPermission.objects.filter(user=user, **lookup),
    )


class ConventionPart(models.Model):
    """Anything that belongs to a convention: its rights are the convention's."""

    class Meta:
        abstract = True

    @property
    def permission_object(self):
        return self.convention


class CommentQuerySet(models.QuerySet):
    def by_target(self, convention, target_type: str) -> dict[int, list["Comment"]]:
        """{target id: [comments]} for one kind of target, in one query."""
        return self.by_targets(convention, target_type)[target_type]

    def by_targets(self, convention, *target_types: str) -> dict[str, dict[int, list["Comment"]]]:
        """{kind: {target id: [comments]}} for several kinds of target, in one query."""
        grouped = {target_type: {} for target_type in target_types}
        for comment in self.filter(convention=convention, target_type__in=target_types).select_related(
            "author", "organisation"
        ):
            grouped[comment.target_type].setdefault(comment.target_id, []).append(comment)
        return grouped


class Comment(models.Model):
    """A party's comment on a diagnostic item or an action sheet."""

    convention = models.ForeignKey(Convention, on_delete=models.CASCADE, related_name="comments")
    target_type = models.CharField(max_length=30)
    target_id = models.PositiveBigIntegerField()
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    organisation = models.ForeignKey(Organisation, on_delete=models.SET_NULL, null=True, related_name="+")
    text = models.TextField("commentaire", max_length=5000)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = CommentQuerySet.as_manager()

    class Meta:
        verbose_name = "commentaire"
        ordering = ["created_at"]
        indexes = [models.Index(fields=["convention", "target_type", "target_id"])]

    def __str__(self):
        return self.text[:60]

    @property
    def permission_object(self):
        return self.convention
