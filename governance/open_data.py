"""The adopted deliberations in the SCDL « Délibérations » open-data format (version 2.1.5,
the TableSchema kept in governance/schemas/), one row per act."""

from ctg.lib.typography import french_sorted
from governance import nomenclature
from governance.deliberations import ACT_ID, departement_on_three, party_departement
from governance.documents import act_objet
from governance.models import Deliberation

SCDL_VERSION = "2.1.5"
SCDL_COLUMNS = [
    "COLL_NOM",
    "COLL_SIRET",
    "DELIB_ID",
    "DELIB_DATE",
    "DELIB_MATIERE_CODE",
    "DELIB_MATIERE_NOM",
    "DELIB_OBJET",
    "BUDGET_ANNEE",
    "BUDGET_NOM",
    "PREF_ID",
    "PREF_DATE",
    "VOTE_EFFECTIF",
    "VOTE_REEL",
    "VOTE_POUR",
    "VOTE_CONTRE",
    "VOTE_ABSTENTION",
    "DELIB_URL",
]


def adopted(convention):
    return (
        Deliberation.objects.filter(convention=convention, outcome=Deliberation.Outcome.ADOPTED)
        .select_related("party__organisation__commune__departement", "version")
        .prefetch_related("party__organisation__departements")
        .order_by("party__organisation__name", "session_date")
    )


def left_out(deliberations) -> list[str]:
    """The organisations whose adopted deliberations the export leaves out, the schema
    requiring a SIRET they have not given (from loaded deliberations: no query)."""
    return french_sorted(
        {
            d.party.organisation.name
            for d in deliberations
            if d.outcome == Deliberation.Outcome.ADOPTED and not d.party.organisation.siret
        }
    )


def delib_id(deliberation: Deliberation) -> str:
    """The act's own number, as the council's registry gives it (inside the @ctes identifier);
    the platform's number of the record before the act is numbered."""
    match = ACT_ID.match(deliberation.act_id or "")
    return match["local"] if match else f"CTG-{deliberation.convention_id}-{deliberation.pk}"


def rows(convention) -> list[list]:
    """One row per adopted deliberation of an organisation whose SIRET is known."""
    objets = {}
    result = []
    for deliberation in adopted(convention).exclude(party__organisation__siret=""):
        organisation = deliberation.party.organisation
        if deliberation.version_id not in objets:
            objets[deliberation.version_id] = act_objet(deliberation.version.snapshot)
        departement = party_departement(deliberation.party)
        result.append(
            [
                organisation.name,
                organisation.siret,
                delib_id(deliberation),
                deliberation.session_date.isoformat(),
                deliberation.subject_code,
                nomenclature.scdl_name(deliberation.subject_code),
                objets[deliberation.version_id],
                "",
                "",
                f"PREF{departement_on_three(departement)}" if departement else "",
                deliberation.received_by_prefecture.isoformat() if deliberation.received_by_prefecture else "",
                _count(deliberation.in_office),
                _count(deliberation.voting),
                _count(deliberation.votes_for),
                _count(deliberation.votes_against),
                _count(deliberation.abstentions),
                "",
            ]
        )
    return result


def _count(value):
    return "" if value is None else value
