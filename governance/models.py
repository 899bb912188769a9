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
