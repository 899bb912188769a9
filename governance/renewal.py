"""Preparing the next CTG from a convention that ends: its parties, its diagnostic as a
starting point, the sheets chosen to continue (linked to their previous version) and the
evaluation of the one that ends."""

from datetime import timedelta

from dateutil.relativedelta import relativedelta
from django.db import transaction

from actions.models import ActionSheet, Axis, Objective, SheetStatus
from ctg.models import Convention
from diagnostics.models import Finding, Indicator, Need
from governance.models import PARTY_FIELDS, Party
from governance.services import create_convention, set_parties


class RenewalError(Exception):
    pass


def evaluation_summary(convention: Convention) -> str:
    sheets = list(convention.sheets.all())
    counts = {label: sum(1 for s in sheets if s.status == code) for code, label in SheetStatus.choices}
    parts = ", ".join(f"{count} {label.lower()}" for label, count in counts.items() if count)
    return f"Bilan du plan d'actions {convention.period_label} : {len(sheets)} fiches ({parts})."


@transaction.atomic
def prepare_next(convention: Convention, *, by=None, continued_sheet_ids=(), evaluation: str = "") -> Convention:
    convention = Convention.objects.select_related("caf", "epci", "commune").get(pk=convention.pk)
    if not convention.is_renewable:
        raise RenewalError("La CTG suivante se prépare dans l'année qui précède la fin d'une convention signée.")
    existing = convention.renewals.first()
    if existing is not None:
        return existing
    start = convention.end_date + timedelta(days=1)
    end = start + relativedelta(years=4) - timedelta(days=1)
    following = create_convention(
        caf=convention.caf,
        epci=convention.epci,
        commune=convention.commune,
        start_date=start,
        end_date=end,
        created_by=by,
        previous=convention,
        summary=convention.summary,
    )
    _carry_parties(convention, following)
    _carry_diagnostic(convention, following, evaluation)
    _carry_sheets(convention, following, continued_sheet_ids)
    return following


def _carry_parties(source, target):
    set_parties(
        target,
        [
            (party.organisation, {name: getattr(party, name) for name in PARTY_FIELDS})
            for party in source.parties.select_related("organisation")
        ],
    )


def _carry_diagnostic(source, target, evaluation):
    diagnostic, previous = target.diagnostic, source.diagnostic
    for name in ("summary", "interviews", "interviews_count", "survey_description", "survey_answers", "sources"):
        setattr(diagnostic, name, getattr(previous, name))
    diagnostic.previous_evaluation = "\n\n".join(
        part for part in (evaluation.strip(), evaluation_summary(source)) if part
    )
    diagnostic.save()
    Indicator.objects.bulk_create(
        Indicator(
            convention=target,
            field=i.field,
            label=i.label,
            value=i.value,
            unit=i.unit,
            year=i.year,
            source=i.source,
            departement_value=i.departement_value,
            france_value=i.france_value,
            position=i.position,
        )
        for i in source.indicators.all()
    )
    Finding.objects.bulk_create(
        Finding(convention=target, field=f.field, kind=f.kind, text=f.text, position=f.position)
        for f in source.findings.all()
    )
    Need.objects.bulk_create(
        Need(
            convention=target,
            field=n.field,
            title=n.title,
            description=n.description,
            priority=n.priority,
            position=n.position,
        )
        for n in source.needs.all()
    )


def _carry_sheets(source, target, sheet_ids):
    axes, objectives = {}, {}
    sheets = (
        ActionSheet.objects.filter(convention=source, pk__in=sheet_ids)
        .with_numbers()
        .prefetch_related("communes", "partners", "fields")
        .order_by("objective__axis__position", "objective__position", "position")
    )
    for sheet in sheets:
        axis = sheet.objective.axis
        if axis.pk not in axes:
            axes[axis.pk] = Axis.objects.create(
                convention=target, position=len(axes) + 1, title=axis.title, description=axis.description
            )
        objective = sheet.objective
        if objective.pk not in objectives:
            siblings = sum(1 for o in objectives.values() if o.axis_id == axes[axis.pk].pk)
            objectives[objective.pk] = Objective.objects.create(
                convention=target,
                axis=axes[axis.pk],
                position=siblings + 1,
                title=objective.title,
                description=objective.description,
            )
        position = ActionSheet.objects.filter(objective=objectives[objective.pk]).count() + 1
        copy = ActionSheet.objects.create(
            convention=target,
            objective=objectives[objective.pk],
            position=position,
            previous=sheet,
            title=sheet.title,
            context=sheet.context,
            aims=sheet.aims,
            description=sheet.description,
            target_publics=sheet.target_publics,
            whole_territory=sheet.whole_territory,
            pilot=sheet.pilot,
            pilot_contact=sheet.pilot_contact,
            elected_referent=sheet.elected_referent,
            other_partners=sheet.other_partners,
            status=SheetStatus.ONGOING if sheet.status == SheetStatus.ONGOING else SheetStatus.TO_START,
        )
        copy.communes.set(sheet.communes.all())
        copy.partners.set(
            [p for p in sheet.partners.all() if Party.objects.filter(convention=target, organisation=p).exists()]
        )
        copy.fields.set(sheet.fields.all())
