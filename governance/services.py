"""Parties of a convention: proposing, adding and removing them, with their rights."""

from django.db import transaction

from ctg import rights
from ctg.models import Convention
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
def remove_party(party: Party) -> None:
    """Remove a party and take back its organisation's rights; the owning CAF stays."""
    if party.organisation_id == party.convention.caf_id:
        raise PartyError("La Caf qui porte la convention en reste signataire.")
    rights.revoke(party.convention, party.organisation)
    party.delete()
