"""The one place that answers "may this user do this to this object".

Views fetch objects through these helpers: an outsider (who may not even see the object)
gets a 404, never a hint that it exists; a member who may see it but not do the action
gets a 403. Rights themselves are guardian object permissions granted to organisation
groups (territories.services, ctg.rights); parts of a convention (sheets, diagnostic
items, parties) carry the rights of their convention (`permission_object`)."""

from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

NOT_FOUND = "Aucun objet ne correspond à cette adresse."


def _target(obj: Model) -> Model:
    return getattr(obj, "permission_object", obj)


def _view_perm(model: type[Model]) -> str:
    return f"{model._meta.app_label}.view_{model._meta.model_name}"


def may(user, perm: str, obj: Model) -> bool:
    """True if `user` holds `perm` ("app.codename") on `obj` (staff superusers hold all)."""
    return user.is_authenticated and user.has_perm(perm, _target(obj))


def get_object_for_user(user, queryset: QuerySet | type[Model], perm: str | None = None, **lookup):
    """The object matching `lookup` if `user` may see it (404 otherwise) and, when `perm` is
    given, may also do `perm` to it (403 otherwise)."""
    obj = get_object_or_404(queryset, **lookup)
    target = _target(obj)
    if not may(user, _view_perm(type(target)), target):
        raise Http404(NOT_FOUND)
    if perm is not None and not may(user, perm, target):
        raise PermissionDenied("Vous n'avez pas le droit de faire cette action.")
    return obj


def granted_codenames(user, convention) -> set[str]:
    """The user's rights on the convention in one query on guardian's direct foreign-key
    tables (through their organisations' groups, or given to them personally); guardian's
    own checker took three queries and 3 ms, on every page of a convention."""
    from ctg.models import rights_of

    through_groups, personal = rights_of(user, content_object=convention)
    return set(
        through_groups.values_list("permission__codename", flat=True).union(
            personal.values_list("permission__codename", flat=True)
        )
    )


class ConventionAccess:
    """What the current user may do on one convention, computed with one permission query."""

    def __init__(self, user, convention):
        self.convention = convention
        if user.is_authenticated and user.is_superuser:
            self.codenames = {
                "view_convention",
                "change_convention",
                "comment_convention",
                "manage_convention",
            }
        elif user.is_authenticated and user.is_active:
            self.codenames = granted_codenames(user, convention)
        else:
            self.codenames = set()

    @property
    def can_view(self):
        return "view_convention" in self.codenames

    @property
    def can_comment(self):
        """Parties' members other than viewers comment, whatever the status."""
        return "comment_convention" in self.codenames

    @property
    def can_edit(self):
        """Diagnostic and plan are written by the CAF adviser and the territory's
        coordinator while the convention is in draft or review."""
        return "change_convention" in self.codenames and self.convention.is_editable

    @property
    def has_edit_right(self):
        return "change_convention" in self.codenames

    @property
    def can_manage(self):
        """The owning CAF's advisers run the lifecycle and choose the parties."""
        return "manage_convention" in self.codenames


def get_convention_for(user, queryset, convention_pk, action: str = "view"):
    """The convention if `user` may do `action` on it: "view", "comment", "edit" (diagnostic and
    plan, while open), "manage" (lifecycle) or "manage_draft" (parties, while open).

    The returned convention carries `.access` (a ConventionAccess) for templates."""
    convention = get_object_or_404(queryset, pk=convention_pk)
    access = ConventionAccess(user, convention)
    if not access.can_view:
        raise Http404(NOT_FOUND)
    allowed = {
        "view": True,
        "comment": access.can_comment,
        "edit": access.can_edit,
        "manage": access.can_manage,
        "manage_draft": access.can_manage and convention.is_editable,
    }[action]
    if not allowed:
        if (action == "edit" and access.has_edit_right) or (action == "manage_draft" and access.can_manage):
            raise PermissionDenied(
                "Cette convention n'est plus modifiable : elle n'est ni en brouillon ni en relecture."
            )
        raise PermissionDenied("Vous n'avez pas le droit de faire cette action sur cette convention.")
    convention.access = access
    return convention
