"""Load the Code officiel géographique from the compact copy of
`@etalab/decoupage-administratif` kept in fixtures/, and create the CAF organisations.

Loading is an upsert that compares before it writes: a second run changes nothing."""

import gzip
import json
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import transaction

from territories.models import EPCI, Commune, Departement, Organisation, Region
from territories.text import search_key, with_de

PACKAGE = "@etalab/decoupage-administratif"
PACKAGE_VERSION = "6.0.0"
FIXTURE_PATH = settings.BASE_DIR / "fixtures" / "geography" / f"decoupage-administratif-{PACKAGE_VERSION}.json.gz"

# The COG's EPCI natures; the Métropole de Lyon (MET69) is a métropole for our purposes.
EPCI_KINDS = {"CC": "CC", "CA": "CA", "CU": "CU", "METRO": "ME", "MET69": "ME"}

# Mayotte has no Caf: the Caisse de sécurité sociale de Mayotte does its work.
DEPARTEMENTS_WITHOUT_CAF = {"976"}
# The Pyrénées-Atlantiques are covered by two Caf.
SPECIAL_CAFS = {"64": ["Caf du Béarn et de la Soule", "Caf du Pays Basque et du Seignanx"]}


def caf_names(departement_code: str, name: str, type_liaison: int) -> list[str]:
    if departement_code in DEPARTEMENTS_WITHOUT_CAF:
        return []
    return SPECIAL_CAFS.get(departement_code, [f"Caf {with_de(name, type_liaison)}"])


# --- Building the compact copy from the npm package --------------------------------------


def build_compact(data_dir: Path) -> dict:
    """The compact copy: current communes, EPCI with members, départements and régions of
    metropolitan France and the DROM, as rows of values."""

    def read(name):
        return json.loads((data_dir / f"{name}.json").read_text(encoding="utf-8"))

    regions = [r for r in read("regions") if r["zone"] != "com"]
    departements = [d for d in read("departements") if d["zone"] != "com"]
    epcis = read("epci")
    communes = [c for c in read("communes") if c["type"] == "commune-actuelle"]
    epci_of_commune = {m["code"]: e["code"] for e in epcis for m in e["membres"]}
    departement_codes = {d["code"] for d in departements}
    return {
        "source": f"{PACKAGE}@{PACKAGE_VERSION} (npm, licence MIT)",
        "columns": {
            "regions": ["code", "nom"],
            "departements": ["code", "nom", "typeLiaison", "region"],
            "epci": ["siren", "nom", "type", "populationTotale"],
            "communes": [
                "code",
                "nom",
                "typeLiaison",
                "departement",
                "siren",
                "population",
                "codesPostaux",
                "epci",
            ],
        },
        "regions": [[r["code"], r["nom"]] for r in regions],
        "departements": [[d["code"], d["nom"], d["typeLiaison"], d["region"]] for d in departements],
        "epci": [[e["code"], e["nom"], EPCI_KINDS[e["type"]], e.get("populationTotale", 0)] for e in epcis],
        "communes": [
            [
                c["code"],
                c["nom"],
                c.get("typeLiaison", 0),
                c["departement"] if c["departement"] in departement_codes else None,
                c.get("siren", ""),
                c.get("population", 0),
                " ".join(c.get("codesPostaux", [])),
                epci_of_commune.get(c["code"]),
            ]
            for c in communes
        ],
    }


def write_compact(compact: dict, path: Path = FIXTURE_PATH) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = json.dumps(compact, ensure_ascii=False, separators=(",", ":")).encode()
    # mtime=0 keeps the file byte-identical when the data is.
    with open(path, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=9, mtime=0) as out:
        out.write(payload)


# --- Loading it ----------------------------------------------------------------------------


@dataclass
class LoadReport:
    created: dict = field(default_factory=dict)
    updated: dict = field(default_factory=dict)
    totals: dict = field(default_factory=dict)

    def lines(self):
        for name, total in self.totals.items():
            created, updated = self.created.get(name, 0), self.updated.get(name, 0)
            yield f"{name} : {total} (créés {created}, mis à jour {updated})"


def _upsert(model, key: str, fields: list[str], rows: list[dict], report: LoadReport, label: str):
    """Create the missing rows and update the changed ones; return {key: pk}."""
    existing = {getattr(obj, key): obj for obj in model.objects.only(key, *fields)}
    to_create, to_update = [], []
    for row in rows:
        obj = existing.get(row[key])
        if obj is None:
            to_create.append(model(**row))
        elif any(getattr(obj, name) != row[name] for name in fields):
            for name in fields:
                setattr(obj, name, row[name])
            to_update.append(obj)
    model.objects.bulk_create(to_create, batch_size=2000)
    if to_update:
        model.objects.bulk_update(to_update, fields, batch_size=1000)
    report.created[label] = len(to_create)
    report.updated[label] = len(to_update)
    report.totals[label] = model.objects.count()
    return dict(model.objects.values_list(key, "pk"))


def load_geography(path: Path = FIXTURE_PATH) -> LoadReport:
    with gzip.open(path, "rt", encoding="utf-8") as stream:
        data = json.load(stream)
    report = LoadReport()
    with transaction.atomic():
        region_ids = _upsert(
            Region,
            "code",
            ["name"],
            [{"code": code, "name": name} for code, name in data["regions"]],
            report,
            "régions",
        )
        departement_ids = _upsert(
            Departement,
            "code",
            ["name", "type_liaison", "region_id"],
            [
                {"code": code, "name": name, "type_liaison": liaison, "region_id": region_ids[region]}
                for code, name, liaison, region in data["departements"]
            ],
            report,
            "départements",
        )
        epci_ids = _upsert(
            EPCI,
            "siren",
            ["name", "kind", "population", "search_name"],
            [
                {
                    "siren": siren,
                    "name": name,
                    "kind": kind,
                    "population": population,
                    "search_name": search_key(name),
                }
                for siren, name, kind, population in data["epci"]
            ],
            report,
            "EPCI",
        )
        _upsert(
            Commune,
            "code",
            [
                "name",
                "type_liaison",
                "departement_id",
                "siren",
                "population",
                "postal_codes",
                "epci_id",
                "search_name",
            ],
            [
                {
                    "code": code,
                    "name": name,
                    "type_liaison": liaison,
                    "departement_id": departement_ids.get(departement) if departement else None,
                    "siren": siren,
                    "population": population,
                    "postal_codes": postal_codes,
                    "epci_id": epci_ids[epci] if epci else None,
                    "search_name": search_key(name),
                }
                for code, name, liaison, departement, siren, population, postal_codes, epci in data["communes"]
            ],
            report,
            "communes",
        )
        create_caf_organisations(report)
    return report


def create_caf_organisations(report: LoadReport | None = None) -> None:
    """One CAF organisation per département (two in the Pyrénées-Atlantiques), each covering
    its département; those that exist are kept."""
    existing = set(Organisation.objects.cafs().values_list("name", flat=True))
    created = 0
    for departement in Departement.objects.all():
        for caf_name in caf_names(departement.code, departement.name, departement.type_liaison):
            if caf_name in existing:
                continue
            caf = Organisation.objects.create(kind=Organisation.Kind.CAF, name=caf_name)
            caf.departements.set([departement])
            created += 1
    if report is not None:
        report.created["Caf"] = created
        report.totals["Caf"] = Organisation.objects.cafs().count()
