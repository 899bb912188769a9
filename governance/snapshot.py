"""The content a document is rendered from: the convention's JSON document (governance.exchange)
plus what documents need beyond it (names, council wording, the court). A frozen version
stores this snapshot, so its documents can be rendered again identically."""

from django.conf import settings
from django.urls import reverse

from ctg.lib.typography import french_sorted
from diagnostics.models import InterventionField
from governance.amendments import amendment_of
from governance.exchange import export_convention
from governance.legal import tribunal_name
from governance.models import document_order
from territories.models import EPCI, Commune, Organisation
from territories.text import with_de


def _party_details(party: dict, communes_by_insee: dict, epcis_by_siren: dict) -> dict:
    ref = party["organisation"]
    kind = ref.get("kind")
    details = {"kind": kind, "name": ref["name"], "siren": ref.get("siren") or ""}
    if kind == Organisation.Kind.COMMUNE:
        commune = communes_by_insee[ref["insee"]]
        details.update(
            insee=commune.code,
            departement=commune.departement.code if commune.departement_id else "",
            council="conseil municipal",
            body=f"la commune {commune.name_with_de}",
            for_label=f"la commune {commune.name_with_de}",
            executive="le Maire",
            presided_by="du Maire",
            place=commune.name,
            article_visa="L2121-29",
        )
    elif kind == Organisation.Kind.EPCI:
        epci = epcis_by_siren[ref["siren"]]
        departements = sorted({c.departement.code for c in epci.communes.all() if c.departement_id})
        details.update(
            departement=departements[0] if departements else "",
            council=epci.council_name,
            body=epci.statutory_name,
            legal_form=epci.get_kind_display(),
            for_label=_epci_with_de(epci.name).removeprefix("de ").removeprefix("d'"),
            executive="le Président",
            presided_by="du Président",
            place=epci.name,
            # Its council deliberates as a municipal council does (L5211-1), on a competence of its own.
            article_visa="L5211-1",
            competence_article=epci.competence_article,
        )
    else:
        article = {"departement": "le ", "caf": "la ", "msa": "la "}.get(kind, "")
        details.update(
            council="conseil d'administration",
            body=ref["name"],
            for_label=f"{article}{ref['name']}",
            executive="le Directeur",
            presided_by="du Président",
            place="",
        )
    return details


def _epci_with_de(name: str) -> str:
    """ "de la CC Plaine Limagne", "de la Métropole de Lyon", "de Clermont Auvergne Métropole"."""
    feminine = ("CC ", "CA ", "CU ", "Communauté", "Métropole")
    return f"de la {name}" if name.startswith(feminine) else with_de(name, 0)


def convention_snapshot(convention) -> dict:
    document = export_convention(convention)
    party_refs = [party["organisation"] for party in document["parties"]]
    insee_codes = {ref["insee"] for ref in party_refs if ref.get("insee")}
    communes_by_insee = {c.code: c for c in Commune.objects.filter(code__in=insee_codes).select_related("departement")}
    epci_sirens = {ref["siren"] for ref in party_refs if ref.get("kind") == "epci" and ref.get("siren")}
    epcis_by_siren = {
        e.siren: e for e in EPCI.objects.filter(siren__in=epci_sirens).prefetch_related("communes__departement")
    }
    if convention.epci_id:
        territory_communes = french_sorted(convention.epci.communes.select_related("departement"), key=lambda c: c.name)
        departement = convention.departements.order_by("code").first()
        # Acts name an EPCI as its statutes do (« Communauté de communes Plaine Limagne »).
        territory_label = convention.epci.statutory_name
        territory_with_de = _epci_with_de(convention.epci.statutory_name)
    else:
        territory_communes = [convention.commune]
        departement = convention.commune.departement
        territory_label = f"Commune {convention.commune.name_with_de}"
        territory_with_de = f"de la commune {convention.commune.name_with_de}"
    parties = document_order(convention.parties.select_related("organisation"))
    for party, model in zip(document["parties"], parties, strict=True):
        party["details"] = _party_details(party, communes_by_insee, epcis_by_siren)
        party["details"]["party_id"] = model.pk
        party["deliberation"] = None  # the council's decision, once recorded
    signed = convention.versions.exclude(signed_sha256="").order_by("-number")
    base = signed.first()
    document["meta"] = {
        "convention_id": convention.pk,
        "status": convention.status,
        "status_label": convention.get_status_display(),
        "territory_label": territory_label,
        "territory_with_de": territory_with_de,
        "territory_kind": "epci" if convention.epci_id else "commune",
        "departement": {"code": departement.code, "name": departement.name, "with_de": departement.name_with_de}
        if departement
        else None,
        "tribunal": tribunal_name(departement.code) if departement else "le tribunal administratif compétent",
        "communes": [{"insee": c.code, "name": c.name, "population": c.population} for c in territory_communes],
        "fields": {f.code: f.name for f in InterventionField.objects.all()},
        # Once a version is signed, the next text is an avenant to it.
        "amendment": amendment_of(
            base.snapshot,
            document,
            number=signed.count(),
            base_version=base.number,
            signed_on=base.sealed_at.date() if base.sealed_at else None,
        )
        if base is not None
        else None,
        "public_url": f"{settings.SITE_URL}{reverse('public_convention', kwargs={'convention_pk': convention.pk})}"
        if convention.is_published
        else None,
    }
    return document
