"""The lifecycle of a convention: which status may follow which, and why not."""

from django.db import models


class Status(models.TextChoices):
    DRAFT = "draft", "Brouillon"
    REVIEW = "review", "En relecture"
    FROZEN = "frozen", "Figée"
    DELIBERATIONS = "deliberations", "En délibération"
    SIGNATURES = "signatures", "En signature"
    SIGNED = "signed", "Signée"
    IN_FORCE = "in_force", "En vigueur"
    ENDED = "ended", "Terminée"


ALLOWED = {
    Status.DRAFT: {Status.REVIEW},
    Status.REVIEW: {Status.DRAFT, Status.FROZEN},
    Status.FROZEN: {Status.DRAFT, Status.DELIBERATIONS},
    Status.DELIBERATIONS: {Status.SIGNATURES},
    Status.SIGNATURES: {Status.SIGNED},
    # An avenant reopens the text (version N+1) of a signed convention.
    Status.SIGNED: {Status.IN_FORCE, Status.ENDED, Status.DRAFT},
    Status.IN_FORCE: {Status.ENDED, Status.DRAFT},
    Status.ENDED: set(),
}

# Diagnostic and plan can be written only while the text is still open.
EDITABLE = {Status.DRAFT, Status.REVIEW}
# Once the text is frozen and until the convention ends, pilots report on their sheets.
FOLLOWED_UP = {Status.FROZEN, Status.DELIBERATIONS, Status.SIGNATURES, Status.SIGNED, Status.IN_FORCE}
# The councils' decisions are recorded while deliberations and signatures run.
DELIBERATING = {Status.DELIBERATIONS, Status.SIGNATURES}
# A signed convention prepares the next one in the year before it ends.
RENEWABLE = {Status.SIGNED, Status.IN_FORCE, Status.ENDED}


class TransitionError(Exception):
    """An illegal move; the message says why, in French, for the user."""


def check_transition(current: str, target: str) -> None:
    if target not in ALLOWED[Status(current)]:
        raise TransitionError(
            f"Une convention « {Status(current).label.lower()} » ne peut pas passer "
            f"à « {Status(target).label.lower()} »."
        )
