"""A national load for the benchmarks: every EPCI and
commune as an organisation, ~1,300 conventions with their parties, rights, diagnostics and
plans, ~60,000 action sheets with their follow-up, ~30,000 deliberations and ~5,000 users.

Rows are written with `bulk_create` in a few large batches (the per-object services would
take hours at this size), but with the same rules as those services: the parties proposed
by `governance.services`, the rights of `ctg.rights.grants_for`, the groups of
`territories.services`. Texts come from the four real CTGs of `fixtures/demo/`. Everything
is drawn from a seeded generator: two runs give the same data."""

import hashlib
import json
import random
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group, Permission
from django.db import connection, transaction
from django.utils import timezone

from actions.models import (
    ActionSheet,
    Axis,
    BudgetLine,
    EvaluationIndicator,
    FundingLine,
    IndicatorMeasure,
    Objective,
    SheetStatus,
    SheetUpdate,
    Step,
)
from ctg import rights
from ctg.lifecycle import Status
from ctg.models import Convention, ConventionGroupObjectPermission
from demo.accounts import DEMO_PASSWORD
from demo.conventions import DEMO_DOCUMENTS
from diagnostics.models import Diagnostic, Finding, Indicator, InterventionField, Need, Workshop
from diagnostics.reference import ensure_fields
from governance.models import AuditEvent, ConventionVersion, Deliberation, Party, SignatureRequest
from governance.services import default_title, party_defaults
from governance.snapshot import convention_snapshot
from territories.models import EPCI, Commune, Membership, Organisation, OrganisationGroupObjectPermission, Role, User

BATCH = 5000
EMAIL_DOMAIN = "national.example"
# Users the benchmarks log in as: one who sees 300 conventions, one who sees 3.
WIDE_USER = f"federation.regionale@{EMAIL_DOMAIN}"
NARROW_USER = f"association.locale@{EMAIL_DOMAIN}"
WIDE_CONVENTIONS, NARROW_CONVENTIONS = 300, 3
# How the current conventions are spread over the lifecycle (weights out of 100).
STATUS_WEIGHTS = [
    (Status.DRAFT, 8),
    (Status.REVIEW, 4),
    (Status.FROZEN, 2),
    (Status.DELIBERATIONS, 8),
    (Status.SIGNATURES, 5),
    (Status.SIGNED, 8),
    (Status.IN_FORCE, 65),
]
FROZEN_STATUSES = {Status.FROZEN, Status.DELIBERATIONS, Status.SIGNATURES, Status.SIGNED, Status.IN_FORCE, Status.ENDED}
DELIBERATED = {Status.DELIBERATIONS, Status.SIGNATURES, Status.SIGNED, Status.IN_FORCE, Status.ENDED}
FOLLOWED_UP = {Status.SIGNED, Status.IN_FORCE, Status.ENDED}


@dataclass
class Report:
    counts: dict = field(default_factory=dict)
    seconds: dict = field(default_factory=dict)

    def lines(self):
        yield from (f"{name}: {count:,}".replace(",", " ") for name, count in self.counts.items())


class Texts:
    """Titles and findings of the real CTGs in fixtures/demo/, to draw from."""

    def __init__(self):
        self.axes, self.objectives, self.sheets = [], [], []
        self.findings, self.needs, self.indicators = [], [], []
        self.summaries = []
        for path in DEMO_DOCUMENTS:
            document = json.loads(path.read_text())
            self.summaries.append(document.get("summary", ""))
            diagnostic = document["diagnostic"]
            self.findings += diagnostic.get("findings", [])
            self.needs += diagnostic.get("needs", [])
            self.indicators += diagnostic.get("indicators", [])
            for axis in document["axes"]:
                self.axes.append(axis["title"])
                for objective in axis["objectives"]:
                    self.objectives.append(objective["title"])
                    self.sheets += [sheet["title"] for sheet in objective.get("sheets", [])]


def _bulk(model, objects, report: Report, label: str | None = None, **kwargs):
    created = model.objects.bulk_create(objects, batch_size=BATCH, **kwargs)
    label = label or model._meta.verbose_name_plural
    report.counts[label] = report.counts.get(label, 0) + len(objects)
    return created


def _through(m2m, rows, report, label):
    """Insert rows of an M2M table given as (left id, right id) pairs."""
    through = m2m.through
    left, right = m2m.field.m2m_field_name(), m2m.field.m2m_reverse_field_name()
    _bulk(
        through,
        [through(**{f"{left}_id": a, f"{right}_id": b}) for a, b in rows],
        report,
        label,
        ignore_conflicts=True,
    )


class NationalDataset:
    def __init__(self, *, conventions=1300, sheets=60000, users=5000, seed=2026, statuses=None, out=None):
        """`statuses`, when given, are taken in turn instead of drawn (tests want each one)."""
        self.target_conventions = conventions
        self.status_cycle = list(statuses or [])
        self.sheets_per_convention = sheets / conventions
        self.target_users = users
        self.random = random.Random(seed)
        self.report = Report()
        self.out = out or (lambda message: None)
        self.texts = Texts()

    def step(self, name, function):
        started = time.perf_counter()
        function()
        self.report.seconds[name] = time.perf_counter() - started
        self.out(f"  {name} : {self.report.seconds[name]:.1f} s")

    @transaction.atomic
    def build(self) -> Report:
        if Convention.objects.exists():
            raise ValueError("La base contient déjà des conventions : le jeu national se charge dans une base vide.")
        ensure_fields(InterventionField)
        self.fields = list(InterventionField.objects.values_list("pk", flat=True))
        self.choose_territories()
        self.step("organisations des EPCI et des communes", self.organisations)
        self.step("conventions et parties", self.conventions)
        self.step("droits (guardian)", self.rights)
        self.step("diagnostics", self.diagnostics)
        self.step("plans et fiches action", self.plans)
        self.step("délibérations et signatures", self.deliberations)
        self.step("utilisateurs et adhésions", self.users)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        return self.report

    # --- organisations --------------------------------------------------------------------

    def choose_territories(self):
        """Every EPCI with a CAF (Mayotte has none), or the first ones for a smaller load."""
        self.caf_of_departement = self._caf_by_departement()
        self.communes_of_epci = defaultdict(list)
        self.departement_of_epci = {}
        for commune_id, epci_id, departement_id in (
            Commune.objects.exclude(epci=None).order_by("name").values_list("pk", "epci_id", "departement_id")
        ):
            self.communes_of_epci[epci_id].append(commune_id)
            self.departement_of_epci.setdefault(epci_id, departement_id)
        self.epcis = [
            e for e in EPCI.objects.order_by("siren") if self.caf_of_departement.get(self.departement_of_epci.get(e.pk))
        ]
        self.whole_country = self.target_conventions >= len(self.epcis)
        self.epcis = self.epcis[: self.target_conventions]

    def organisations(self):
        have_epci = set(Organisation.objects.exclude(epci=None).values_list("epci_id", flat=True))
        have_commune = set(Organisation.objects.exclude(commune=None).values_list("commune_id", flat=True))
        epcis = EPCI.objects.exclude(pk__in=have_epci).only("pk", "name", "siren")
        communes = Commune.objects.exclude(pk__in=have_commune).only("pk", "name", "type_liaison", "siren")
        if not self.whole_country:
            epcis = epcis.filter(pk__in=[e.pk for e in self.epcis])
            communes = communes.filter(epci__in=[e.pk for e in self.epcis])
        new = [Organisation(kind="epci", name=e.name, siren=e.siren, epci_id=e.pk) for e in epcis]
        new += [
            Organisation(kind="commune", name=f"Commune {c.name_with_de}", siren=c.siren, commune_id=c.pk)
            for c in communes
        ]
        _bulk(Organisation, new, self.report, "organisations")
        departements_of_epci = defaultdict(set)
        for epci_id, departement_id in Commune.objects.exclude(epci=None).values_list("epci_id", "departement_id"):
            if departement_id:
                departements_of_epci[epci_id].add(departement_id)
        commune_departement = dict(Commune.objects.values_list("pk", "departement_id"))
        rows = []
        for organisation in new:
            if organisation.epci_id:
                rows += [(organisation.pk, d) for d in departements_of_epci[organisation.epci_id]]
            elif commune_departement.get(organisation.commune_id):
                rows.append((organisation.pk, commune_departement[organisation.commune_id]))
        _through(Organisation.departements, rows, self.report, "départements des organisations")
        self.org_of_epci = dict(Organisation.objects.exclude(epci=None).values_list("epci_id", "pk"))
        self.org_of_commune = dict(Organisation.objects.exclude(commune=None).values_list("commune_id", "pk"))

    # --- conventions and parties ----------------------------------------------------------

    def _caf_by_departement(self):
        cafs = {}
        for caf_id, departement_id in Organisation.objects.cafs().values_list("pk", "departements"):
            cafs.setdefault(departement_id, caf_id)  # Pyrénées-Atlantiques: the first of its two CAFs
        return cafs

    def _status(self):
        if self.status_cycle:
            self.status_cycle.append(self.status_cycle.pop(0))
            return self.status_cycle[-1]
        roll, total = self.random.randrange(100), 0
        for status, weight in STATUS_WEIGHTS:
            total += weight
            if roll < total:
                return status
        return Status.IN_FORCE

    def conventions(self):
        caf_of_departement, departement_of_epci = self.caf_of_departement, self.departement_of_epci
        communes_of_epci, epcis = self.communes_of_epci, self.epcis
        cafs = Organisation.objects.cafs().in_bulk()
        previous_count = max(0, self.target_conventions - len(epcis))
        conventions = []
        for epci in epcis:
            status = self._status()
            start_year = {Status.DRAFT: 2026, Status.REVIEW: 2026, Status.FROZEN: 2026}.get(
                status, self.random.choice([2022, 2023, 2024, 2025])
            )
            if status in (Status.DELIBERATIONS, Status.SIGNATURES):
                start_year = 2025
            caf_id = caf_of_departement[departement_of_epci[epci.pk]]
            conventions.append(self._convention(epci, cafs[caf_id], status, start_year))
        # The CTG before the current one, ended, for the first EPCIs: renewals in the data.
        previous = [
            self._convention(c.epci, c.caf, Status.ENDED, c.start_date.year - 4) for c in conventions[:previous_count]
        ]
        _bulk(Convention, previous, self.report, "conventions")
        for current, before in zip(conventions, previous, strict=False):
            current.previous_id = before.pk
        _bulk(Convention, conventions, self.report, "conventions")
        self.all_conventions = previous + conventions
        _through(
            Convention.departements,
            [(c.pk, departement_of_epci[c.epci_id]) for c in self.all_conventions],
            self.report,
            "départements des conventions",
        )
        organisations = {o.pk: o for o in Organisation.objects.filter(kind__in=["caf", "epci", "commune"])}
        self.partner_wide = Organisation.objects.create(
            kind=Organisation.Kind.PARTNER, name="Fédération régionale des centres sociaux (jeu national)"
        )
        self.partner_narrow = Organisation.objects.create(
            kind=Organisation.Kind.PARTNER, name="Association locale de parents (jeu national)"
        )
        organisations[self.partner_wide.pk] = self.partner_wide
        organisations[self.partner_narrow.pk] = self.partner_narrow
        parties = []
        self.party_organisations = defaultdict(list)
        for index, convention in enumerate(self.all_conventions):
            members = [convention.caf_id, self.org_of_epci[convention.epci_id]]
            members += [self.org_of_commune[c] for c in communes_of_epci[convention.epci_id]]
            if index < WIDE_CONVENTIONS:
                members.append(self.partner_wide.pk)
            if index < NARROW_CONVENTIONS:
                members.append(self.partner_narrow.pk)
            for organisation_id in members:
                organisation = organisations[organisation_id]
                parties.append(
                    Party(
                        convention_id=convention.pk,
                        organisation_id=organisation_id,
                        representative_name=self._person(),
                        **party_defaults(organisation),
                    )
                )
                self.party_organisations[convention.pk].append(organisation)
        _bulk(Party, parties, self.report, "parties signataires")
        self.parties = parties

    def _convention(self, epci, caf, status, start_year):
        convention = Convention(
            epci=epci,
            caf=caf,
            start_date=date(start_year, 1, 1),
            end_date=date(start_year + 4, 12, 31),
            status=status,
            summary=self.random.choice(self.texts.summaries),
            is_published=status in FOLLOWED_UP,
        )
        convention.title = default_title(convention)
        convention.search_text = convention.build_search_text()
        return convention

    FIRST_NAMES = ["Claire", "Jean", "Nadia", "Pierre", "Sophie", "Karim", "Isabelle", "Luc", "Anne", "Marc"]
    LAST_NAMES = ["Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy", "Moreau"]

    def _person(self):
        return f"{self.random.choice(self.FIRST_NAMES)} {self.random.choice(self.LAST_NAMES)}"

    # --- rights -----------------------------------------------------------------------------

    def rights(self):
        wanted = []
        for convention in self.all_conventions:
            for organisation in self.party_organisations[convention.pk]:
                for codename, names in rights.grants_for(convention, organisation).items():
                    wanted += [(convention.pk, codename, name) for name in names]
        names = {name for _, _, name in wanted}
        # Every organisation with members has its group and one per role, as members join.
        self.group_owners = {o.pk for orgs in self.party_organisations.values() for o in orgs}
        self.group_owners |= set(Organisation.objects.cafs().values_list("pk", flat=True))
        for organisation_id in self.group_owners:
            names |= {f"org-{organisation_id}-{role}" for role in Role.values} | {f"org-{organisation_id}"}
        existing = set(Group.objects.filter(name__in=names).values_list("name", flat=True))
        _bulk(Group, [Group(name=name) for name in sorted(names - existing)], self.report, "groupes (guardian)")
        self.groups = dict(Group.objects.filter(name__startswith="org-").values_list("name", "pk"))
        permissions = dict(Permission.objects.filter(content_type__app_label="ctg").values_list("codename", "pk"))
        _bulk(
            ConventionGroupObjectPermission,
            [
                ConventionGroupObjectPermission(
                    content_object_id=convention_id, permission_id=permissions[codename], group_id=self.groups[name]
                )
                for convention_id, codename, name in wanted
            ],
            self.report,
            "permissions sur les conventions",
            ignore_conflicts=True,
        )
        organisation_permissions = dict(
            Permission.objects.filter(content_type__app_label="territories").values_list("codename", "pk")
        )
        have = set(OrganisationGroupObjectPermission.objects.values_list("content_object_id", flat=True))
        rows = []
        for organisation_id in self.group_owners - have:
            rows.append(
                OrganisationGroupObjectPermission(
                    content_object_id=organisation_id,
                    permission_id=organisation_permissions["view_organisation"],
                    group_id=self.groups[f"org-{organisation_id}"],
                )
            )
            rows.append(
                OrganisationGroupObjectPermission(
                    content_object_id=organisation_id,
                    permission_id=organisation_permissions["manage_organisation"],
                    group_id=self.groups[f"org-{organisation_id}-{Role.ADMIN}"],
                )
            )
        _bulk(OrganisationGroupObjectPermission, rows, self.report, "permissions sur les organisations")

    # --- diagnostics ------------------------------------------------------------------------

    def diagnostics(self):
        pick, texts = self.random, self.texts
        diagnostics, findings, indicators, needs, workshops = [], [], [], [], []
        field_ids = dict(InterventionField.objects.values_list("code", "pk"))
        for convention in self.all_conventions:
            diagnostics.append(
                Diagnostic(
                    convention_id=convention.pk,
                    summary="Diagnostic partagé mené avec les communes, les partenaires et les habitants.",
                    interviews_count=pick.randint(8, 40),
                    survey_answers=pick.randint(50, 900),
                    sources="Données Caf, Insee, ABS",
                )
            )
            for position, finding in enumerate(pick.sample(texts.findings, min(12, len(texts.findings))), 1):
                findings.append(
                    Finding(
                        convention_id=convention.pk,
                        field_id=field_ids.get(finding["field"], self.fields[0]),
                        kind=finding["kind"],
                        text=finding["text"],
                        position=position,
                    )
                )
            for position, indicator in enumerate(pick.sample(texts.indicators, min(8, len(texts.indicators))), 1):
                indicators.append(
                    Indicator(
                        convention_id=convention.pk,
                        field_id=field_ids.get(indicator.get("field")),
                        label=indicator["label"],
                        value=Decimal(str(indicator["value"])) * Decimal(pick.randint(80, 120)) / 100,
                        unit=indicator.get("unit", ""),
                        year=indicator.get("year", 2023),
                        source=indicator.get("source", ""),
                        position=position,
                    )
                )
            for position, need in enumerate(pick.sample(texts.needs, min(5, len(texts.needs))), 1):
                needs.append(
                    Need(
                        convention_id=convention.pk,
                        field_id=field_ids.get(need.get("field")),
                        title=need["title"],
                        priority=need.get("priority", 2),
                        position=position,
                    )
                )
            workshops += [
                Workshop(
                    convention_id=convention.pk,
                    title=f"Atelier {theme}",
                    date=convention.start_date - timedelta(days=pick.randint(60, 200)),
                    participants=pick.randint(8, 40),
                )
                for theme in ("petite enfance", "jeunesse")
            ]
        _bulk(Diagnostic, diagnostics, self.report, "diagnostics")
        _bulk(Finding, findings, self.report, "constats (AFOM)")
        _bulk(Indicator, indicators, self.report, "indicateurs du diagnostic")
        _bulk(Need, needs, self.report, "enjeux")
        _bulk(Workshop, workshops, self.report, "ateliers")

    # --- plans --------------------------------------------------------------------------------

    def plans(self):
        pick, texts = self.random, self.texts
        axes, objectives = [], []
        for convention in self.all_conventions:
            for a in range(1, 5):
                axes.append(Axis(convention_id=convention.pk, position=a, title=pick.choice(texts.axes)))
        _bulk(Axis, axes, self.report, "axes")
        for axis in axes:
            for o in range(1, 4):
                objectives.append(
                    Objective(
                        convention_id=axis.convention_id,
                        axis_id=axis.pk,
                        position=o,
                        title=pick.choice(texts.objectives),
                    )
                )
        _bulk(Objective, objectives, self.report, "objectifs")
        objectives_of = defaultdict(list)
        for objective in objectives:
            objectives_of[objective.convention_id].append(objective)
        sheets = []
        low, high = int(self.sheets_per_convention * 0.65), int(self.sheets_per_convention * 1.35)
        publics = ["0-3", "3-11", "12-25", "familles", "seniors", "fragiles", "tous"]
        for convention in self.all_conventions:
            count = pick.randint(low, high)
            epci_org = self.org_of_epci[convention.epci_id]
            followed = convention.status in FOLLOWED_UP
            for n in range(count):
                objective = objectives_of[convention.pk][n % 12]
                start = convention.start_date + timedelta(days=pick.randrange(0, 700))
                status = (
                    pick.choice(
                        [
                            SheetStatus.ONGOING,
                            SheetStatus.ONGOING,
                            SheetStatus.DONE,
                            SheetStatus.TO_START,
                            SheetStatus.POSTPONED,
                        ]
                    )
                    if followed
                    else SheetStatus.TO_START
                )
                sheets.append(
                    ActionSheet(
                        convention_id=convention.pk,
                        objective_id=objective.pk,
                        position=n // 12 + 1,
                        title=pick.choice(texts.sheets),
                        context="Constat partagé lors du diagnostic.",
                        aims="Améliorer l'accès des familles aux services.",
                        description="Action conduite avec les communes et les partenaires du territoire.",
                        target_publics=pick.sample(publics, 2),
                        pilot_id=pick.choice([epci_org, convention.caf_id]),
                        elected_referent=self._person(),
                        start_date=start,
                        end_date=start + timedelta(days=pick.randrange(180, 1100)),
                        status=status,
                        progress={SheetStatus.DONE: 100, SheetStatus.TO_START: 0}.get(status, pick.randrange(10, 90)),
                        followed_up_at=(timezone.now() - timedelta(days=pick.randrange(1, 400)) if followed else None),
                    )
                )
        _bulk(ActionSheet, sheets, self.report, "fiches action")
        _through(
            ActionSheet.fields,
            [(s.pk, f) for s in sheets for f in pick.sample(self.fields, 2)],
            self.report,
            "champs des fiches",
        )
        steps, budgets, fundings, evaluation, updates = [], [], [], [], []
        convention_status = {c.pk: c.status for c in self.all_conventions}
        for sheet in sheets:
            steps += [
                Step(sheet_id=sheet.pk, title=f"Étape {i}", start_date=sheet.start_date, done=i == 1) for i in (1, 2)
            ]
            budgets += [
                BudgetLine(
                    sheet_id=sheet.pk,
                    year=sheet.start_date.year + i,
                    planned=Decimal(pick.randrange(1000, 80000)),
                    spent=Decimal(pick.randrange(500, 60000))
                    if convention_status[sheet.convention_id] in FOLLOWED_UP
                    else None,
                )
                for i in (0, 1)
            ]
            fundings.append(
                FundingLine(
                    sheet_id=sheet.pk, funder="Caf", amount=Decimal(pick.randrange(500, 40000)), status="acquis"
                )
            )
            evaluation.append(
                EvaluationIndicator(sheet_id=sheet.pk, label="Familles accompagnées", baseline=10, target=40)
            )
            if convention_status[sheet.convention_id] in FOLLOWED_UP:
                for i in range(pick.randint(1, 3)):
                    updates.append(
                        SheetUpdate(
                            convention_id=sheet.convention_id,
                            sheet_id=sheet.pk,
                            created_at=timezone.now() - timedelta(days=120 * (i + 1)),
                            note="Point d'étape : l'action avance comme prévu.",
                            status_before=SheetStatus.ONGOING,
                            status_after=sheet.status,
                            progress_before=max(0, sheet.progress - 10),
                            progress_after=sheet.progress,
                        )
                    )
        _bulk(Step, steps, self.report, "étapes")
        _bulk(BudgetLine, budgets, self.report, "lignes de budget")
        _bulk(FundingLine, fundings, self.report, "financements")
        _bulk(EvaluationIndicator, evaluation, self.report, "indicateurs d'évaluation")
        _bulk(
            IndicatorMeasure,
            [IndicatorMeasure(indicator_id=i.pk, year=2025, value=pick.randrange(5, 45)) for i in evaluation],
            self.report,
            "mesures",
        )
        _bulk(SheetUpdate, updates, self.report, "mises à jour des fiches")

    # --- deliberations ------------------------------------------------------------------------

    def deliberations(self):
        pick = self.random
        frozen = [c for c in self.all_conventions if c.status in FROZEN_STATUSES]
        snapshots = {}
        for convention in Convention.objects.filter(pk__in=[c.pk for c in frozen]).with_territory():
            snapshot = convention_snapshot(convention)
            # The text as it was frozen, before the councils and the signatures.
            snapshot["meta"]["status"] = Status.FROZEN
            snapshots[convention.pk] = snapshot
        versions = [
            ConventionVersion(
                convention_id=c.pk,
                number=1,
                snapshot=snapshots[c.pk],
                snapshot_sha256=hashlib.sha256(json.dumps(snapshots[c.pk], sort_keys=True).encode()).hexdigest(),
                pdf=f"versions/{c.pk}/v1.pdf",
                pdf_sha256=f"{c.pk:064x}",
                sealed_at=timezone.now() if c.status in FOLLOWED_UP else None,
                signed_sha256=f"{c.pk + 10**9:064x}" if c.status in FOLLOWED_UP else "",
            )
            for c in frozen
        ]
        _bulk(ConventionVersion, versions, self.report, "versions figées")
        version_of = {v.convention_id: v.pk for v in versions}
        status_of = {c.pk: c.status for c in frozen}
        start_of = {c.pk: c.start_date for c in frozen}
        deliberations, signatures, events = [], [], []
        for party in self.parties:
            status = status_of.get(party.convention_id)
            if status is None:
                continue
            if party.needs_deliberation and status in DELIBERATED:
                decided = status != Status.DELIBERATIONS or pick.random() < 0.6
                session = start_of[party.convention_id] - timedelta(days=pick.randrange(20, 120))
                deliberations.append(
                    Deliberation(
                        convention_id=party.convention_id,
                        version_id=version_of[party.convention_id],
                        party_id=party.pk,
                        outcome=Deliberation.Outcome.ADOPTED if decided else Deliberation.Outcome.PENDING,
                        due_date=session + timedelta(days=30),
                        session_date=session if decided else None,
                        votes_for=pick.randint(9, 40) if decided else None,
                        act_id=f"{party.pk:09d}-{session:%Y%m%d}-CTG-DE" if decided else "",
                        recorded_at=timezone.now() if decided else None,
                    )
                )
            if status in (Status.SIGNATURES, Status.SIGNED, Status.IN_FORCE, Status.ENDED):
                signed = status != Status.SIGNATURES or party.signing_group == 1
                signatures.append(
                    SignatureRequest(
                        convention_id=party.convention_id,
                        version_id=version_of[party.convention_id],
                        party_id=party.pk,
                        signing_group=party.signing_group,
                        status=SignatureRequest.Status.SIGNED if signed else SignatureRequest.Status.WAITING,
                        token_hash=f"{party.pk:064x}",
                        token_expires_at=timezone.now() + timedelta(days=30),
                        signed_at=timezone.now() if signed else None,
                        signer_name=party.representative_name if signed else "",
                        method=SignatureRequest.Method.ELECTRONIC if signed else "",
                    )
                )
        for convention in frozen:
            events.append(
                AuditEvent(
                    convention_id=convention.pk,
                    version_id=version_of[convention.pk],
                    kind="version_frozen",
                    message="Version 1 figée.",
                )
            )
        _bulk(Deliberation, deliberations, self.report, "délibérations")
        _bulk(SignatureRequest, signatures, self.report, "demandes de signature")
        _bulk(AuditEvent, events, self.report, "événements du journal")

    # --- users ----------------------------------------------------------------------------------

    def users(self):
        password = make_password(DEMO_PASSWORD)
        plan = []  # (email, organisation id, role)
        plan.append((WIDE_USER, self.partner_wide.pk, Role.PARTNER))
        plan.append((NARROW_USER, self.partner_narrow.pk, Role.PARTNER))
        cafs = list(Organisation.objects.cafs().order_by("pk").values_list("pk", flat=True))
        for caf_id in cafs:
            plan.append((f"admin.caf{caf_id}@{EMAIL_DOMAIN}", caf_id, Role.ADMIN))
            plan += [(f"conseiller{i}.caf{caf_id}@{EMAIL_DOMAIN}", caf_id, Role.CAF_ADVISER) for i in range(1, 9)]
        for epci_org in sorted(self.org_of_epci[c.epci_id] for c in self.all_conventions if c.previous_id is None):
            plan.append((f"coordination.org{epci_org}@{EMAIL_DOMAIN}", epci_org, Role.COORDINATOR))
        communes = sorted({o.pk for orgs in self.party_organisations.values() for o in orgs if o.kind == "commune"})
        for commune_org in self.random.sample(communes, max(0, self.target_users - len(plan))):
            plan.append((f"mairie.org{commune_org}@{EMAIL_DOMAIN}", commune_org, Role.COMMUNE_OFFICER))
        users = [
            User(
                email=email,
                password=password,
                first_name=self.random.choice(self.FIRST_NAMES),
                last_name=self.random.choice(self.LAST_NAMES),
            )
            for email, _, _ in plan
        ]
        _bulk(User, users, self.report, "utilisateurs")
        _bulk(
            Membership,
            [Membership(user_id=u.pk, organisation_id=o, role=r) for u, (_, o, r) in zip(users, plan, strict=True)],
            self.report,
            "adhésions",
        )
        rows = []
        for user, (_, organisation_id, role) in zip(users, plan, strict=True):
            rows += [
                (user.pk, self.groups[f"org-{organisation_id}"]),
                (user.pk, self.groups[f"org-{organisation_id}-{role}"]),
            ]
        _through(User.groups, rows, self.report, "appartenances aux groupes")
