"""Creating and changing conventions."""

from django.db import transaction

from ctg import rights
from ctg.models import Convention
from diagnostics.models import Diagnostic


def default_title(convention: Convention) -> str:
    return f"Convention territoriale globale — {convention.territory_name} {convention.period_label}"


@transaction.atomic
def create_convention(*, caf, start_date, end_date, created_by=None, epci=None, commune=None, title="", **fields):
    """A new draft convention with its diagnostic; the CAF holds its rights and every party
    of the territory (the CAF, the EPCI and all its communes, or the commune) is proposed."""
    from governance.services import add_parties, proposed_organisations

    convention = Convention(
        caf=caf,
        epci=epci,
        commune=commune,
        start_date=start_date,
        end_date=end_date,
        created_by=created_by,
        **fields,
    )
    convention.title = title or default_title(convention)
    convention.full_clean()
    convention.save()
    Diagnostic.objects.create(convention=convention)
    convention.departements.set(convention.territory_departement_ids())
    rights.grant(convention, [caf])
    add_parties(convention, proposed_organisations(convention))
    return convention
