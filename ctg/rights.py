"""Who holds which right on a convention, as guardian permissions granted to the groups of
the organisations involved."""

from django.contrib.auth.models import Group, Permission
from django.db import transaction

from ctg.models import Convention, ConventionGroupObjectPermission
from territories.models import Organisation, Role

WRITERS_OF_THE_CAF = (Role.ADMIN, Role.CAF_ADVISER)
WRITERS_OF_THE_TERRITORY = (Role.ADMIN, Role.COORDINATOR, Role.COMMUNE_OFFICER)
COMMENTERS = (Role.ADMIN, Role.CAF_ADVISER, Role.COORDINATOR, Role.COMMUNE_OFFICER, Role.PARTNER)


def _group_name(organisation_id: int, role: str | None = None) -> str:
    return f"org-{organisation_id}" if role is None else f"org-{organisation_id}-{role}"


def grants_for(convention: Convention, organisation: Organisation) -> dict[str, list[str]]:
    """{codename: [group names]} that `organisation` gets on `convention`."""
    pk = organisation.pk
    grants = {
        "view_convention": [_group_name(pk)],
        "comment_convention": [_group_name(pk, role) for role in COMMENTERS],
    }
    if organisation.pk == convention.caf_id:
        grants["change_convention"] = [_group_name(pk, role) for role in WRITERS_OF_THE_CAF]
        grants["manage_convention"] = [_group_name(pk, role) for role in WRITERS_OF_THE_CAF]
    elif (convention.epci_id and organisation.epci_id == convention.epci_id) or (
        convention.commune_id and organisation.commune_id == convention.commune_id
    ):
        grants["change_convention"] = [_group_name(pk, role) for role in WRITERS_OF_THE_TERRITORY]
    return grants


def _groups(names: set[str]) -> dict[str, Group]:
    existing = {group.name: group for group in Group.objects.filter(name__in=names)}
    missing = [Group(name=name) for name in names - existing.keys()]
    if missing:
        Group.objects.bulk_create(missing, ignore_conflicts=True)
        existing = {group.name: group for group in Group.objects.filter(name__in=names)}
    return existing


@transaction.atomic
def grant(convention: Convention, organisations: list[Organisation]) -> None:
    """Give each organisation its rights on the convention (idempotent)."""
    wanted = [
        (codename, name)
        for org in organisations
        for codename, names in grants_for(convention, org).items()
        for name in names
    ]
    groups = _groups({name for _, name in wanted})
    permissions = {
        p.codename: p
        for p in Permission.objects.filter(content_type__app_label="ctg", codename__in={c for c, _ in wanted})
    }
    ConventionGroupObjectPermission.objects.bulk_create(
        [
            ConventionGroupObjectPermission(
                permission=permissions[codename], group=groups[name], content_object=convention
            )
            for codename, name in wanted
        ],
        ignore_conflicts=True,
    )


@transaction.atomic
def revoke(convention: Convention, organisation: Organisation) -> None:
    """Take back every right the organisation's groups hold on the convention."""
    names = [_group_name(organisation.pk)] + [_group_name(organisation.pk, role) for role in Role.values]
    ConventionGroupObjectPermission.objects.filter(content_object=convention, group__name__in=names).delete()
