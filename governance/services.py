"""Creating a convention with its parties, and changing its parties, with their rights."""

from django.db import transaction

from ctg import rights
from ctg.models import Convention
from diagnostics.models import Diagnostic
from governance.models import Party
from territories import services as territory_services
from territories.models import Organisation

# Communes sign first, all in parallel; then the EPCI and partners; the CAF last.
DEFAULT_SIGNING_GROUP = {
    Organisation.Kind.COMMUNE: 1,
    Organisation.Kind.EPCI: 2,
    Organisation.Kind.DEPARTEMENT: 2,
    Organisation.Kind.MSA: 2,
    Organisation.Kind.PARTNER: 2,
    Organisation.Kind.CAF: 3,
}
DEFAULT_TITLE = {
    Organisation.Kind.COMMUNE: "Le Maire",
    Organisation.Kind.EPCI: "Le Président",
    Organisation.Kind.DEPARTEMENT: "Le Président du Conseil départemental",
    Organisation.Kind.MSA: "Le Directeur général",
    Organisation.Kind.PARTNER: "Le Président",
    Organisation.Kind.CAF: "Le Directeur",
}
# Councils of communes and EPCI deliberate on the CTG; the other parties' boards do so
# outside the platform unless the adviser says otherwise.
DELIBERATING_KINDS = {Organisation.Kind.COMMUNE, Organisation.Kind.EPCI}


def default_title(convention: Convention) -> str:
    return f"Convention territoriale globale — {convention.territory_name} {convention.period_label}"


@transaction.atomic
def create_convention(*, caf, start_date, end_date, created_by=None, epci=None, commune=None, title="", **fields):
    """A new draft convention with its diagnostic; the CAF holds its rights and every party
    of the territory (the CAF, the EPCI and all its communes, or the commune) is proposed."""
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


def party_defaults(organisation: Organisation) -> dict:
    return {
        "representative_title": DEFAULT_TITLE[organisation.kind],
        "needs_deliberation": organisation.kind in DELIBERATING_KINDS,
        "signing_group": DEFAULT_SIGNING_GROUP[organisation.kind],
    }


def proposed_organisations(convention: Convention) -> list[Organisation]:
    """The CAF, the territory and, for an EPCI, every member commune (created on demand)."""
    organisations = [convention.caf]
    if convention.epci_id:
        organisations.append(territory_services.organisation_for_epci(convention.epci))
        for commune in convention.epci.communes.select_related("departement").order_by("name"):
            organisations.append(territory_services.organisation_for_commune(commune))
    else:
        organisations.append(territory_services.organisation_for_commune(convention.commune))
    return organisations


@transaction.atomic
def add_parties(convention: Convention, organisations: list[Organisation]) -> list[Party]:
    """Make each organisation a party (idempotent) and grant its rights."""
    existing = set(convention.parties.values_list("organisation_id", flat=True))
    new = [
        Party(convention=convention, organisation=organisation, **party_defaults(organisation))
        for organisation in organisations
        if organisation.pk not in existing
    ]
    for party in new:
        party.save()  # one by one: the history records each addition
    rights.grant(convention, organisations)
    return new


def add_party(convention: Convention, organisation: Organisation, **fields) -> Party:
    add_parties(convention, [organisation])
    party = convention.parties.get(organisation=organisation)
    if fields:
        for name, value in fields.items():
            setattr(party, name, value)
        party.save()
    return party


class PartyError(Exception):
    pass


@transaction.atomic
def set_parties(convention: Convention, parties: list[tuple[Organisation, dict]]) -> None:
    """Make exactly these organisations the parties, in this order, each with its fields
    (representative, deliberation, signing group; the defaults of its kind, or what it
    already has, where a field is not given). The owning CAF always stays; the rights of the
    organisations removed are taken back, those of the added ones granted."""
    wanted = {organisation.pk for organisation, _fields in parties} | {convention.caf_id}
    for party in convention.parties.select_related("organisation", "convention").exclude(organisation_id__in=wanted):
        remove_party(party)
    for organisation, fields in parties:
        add_party(convention, organisation, **fields)


@transaction.atomic
def remove_party(party: Party) -> None:
    """Remove a party and take back its organisation's rights; the owning CAF stays."""
    if party.organisation_id == party.convention.caf_id:
        raise PartyError("La Caf qui porte la convention en reste signataire.")
    rights.revoke(party.convention, party.organisation)
    party.delete()
