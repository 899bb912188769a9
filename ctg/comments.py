"""What a comment may be attached to: diagnostic items and action sheets of the convention."""

from django.http import Http404

from actions.models import ActionSheet
from diagnostics.models import Finding, Indicator, Need

COMMENT_TARGETS = {"fiche": ActionSheet, "indicateur": Indicator, "constat": Finding, "enjeu": Need}


def comment_target(convention, target_type: str, target_pk: int):
    model = COMMENT_TARGETS.get(target_type)
    target = model.objects.filter(convention=convention, pk=target_pk).first() if model else None
    if target is None:
        raise Http404("Aucun objet ne correspond à cette adresse.")
    return target
