"""Fetching an object for a user: an outsider (who may not even see the object) gets a 404,
never a hint that it exists; a member who may see it but not do the action gets a 403. Rights
are guardian object permissions; a part of something (a sheet of a convention) carries the
rights of what it belongs to (`permission_object`)."""

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
