"""The demo's conventions: the four real CTGs of the seeds, imported from fixtures/demo/
through the same JSON import as users' documents."""

from pathlib import Path

from django.conf import settings

from ctg import exchange
from ctg.models import Convention

DEMO_DOCUMENTS = sorted((Path(settings.BASE_DIR) / "fixtures" / "demo").glob("*.json"))


def load_demo_conventions(created_by=None) -> list[Convention]:
    """Import each document whose convention is not there yet (by title): idempotent."""
    conventions = []
    for path in DEMO_DOCUMENTS:
        raw = path.read_bytes()
        title = exchange.parse(raw)["title"]
        convention = Convention.objects.filter(title=title).first()
        if convention is None:
            convention = exchange.import_convention(raw, created_by=created_by)
        conventions.append(convention)
    return conventions
