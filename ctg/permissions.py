"""The one place that answers "may this user do this to this object".

Views fetch objects through these helpers: an outsider (who may not even see the object)
gets a 404, never a hint that it exists; a member who may see it but not do the action
gets a 403. Rights themselves are guardian object permissions granted to organisation
groups (territories.services, ctg.rights); parts of a convention (sheets, diagnostic
items, parties) carry the rights of their convention (`permission_object`)."""

from functools import cached_property

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404

from ctg.lib.permissions import NOT_FOUND
from ctg.lifecycle import DELIBERATING, FOLLOWED_UP
from ctg.models import codenames_on
from territories.models import Membership, Role


class ConventionAccess:
    """Everything the current user may do on one convention: the one place that answers
    "may this user … this convention". Guardian's rights are read with one query; the
    organisations the user acts for, when a rule needs them, with one more."""

    def __init__(self, user, convention):
        self.user = user
        self.convention = convention
        if user.is_authenticated and user.is_superuser:
            self.codenames = {
                "view_convention",
                "change_convention",
                "comment_convention",
                "manage_convention",
            }
        elif user.is_authenticated and user.is_active:
            self.codenames = codenames_on(user, convention)
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
        """The CAF's advisers and the territory's coordinators, whatever the status."""
        return "change_convention" in self.codenames

    @property
    def can_manage(self):
        """The owning CAF's advisers run the lifecycle and choose the parties."""
        return "manage_convention" in self.codenames

    @property
    def can_manage_parties(self):
        """Parties are chosen while the text is open."""
        return self.can_manage and self.convention.is_editable

    @property
    def can_run_committees(self):
        """The CAF and the territory keep the committees, their meetings and minutes."""
        return self.has_edit_right or self.can_manage

    @property
    def can_produce_documents(self):
        """Every party's member gets the documents (a commune its deliberation-ready PDF)."""
        return self.can_view

    @property
    def may_invite_people(self):
        """The owning Caf's advisers and the territory's coordinators bring the parties' staff in."""
        return self.can_manage or self.has_edit_right

    @property
    def can_renew(self):
        """The owning CAF prepares the next CTG of a signed convention in its last year."""
        return self.can_manage and self.convention.is_renewable

    @cached_property
    def acting_organisation_ids(self) -> set[int]:
        """The organisations the user acts for: those they belong to other than as a viewer."""
        if not (self.user.is_authenticated and self.user.is_active):
            return set()
        return set(
            Membership.objects.effective()
            .filter(user=self.user)
            .exclude(role=Role.VIEWER)
            .values_list("organisation_id", flat=True)
        )

    def may_follow_up(self, sheet) -> bool:
        """The sheet's pilot (its members but viewers), the territory's coordinator and the
        CAF's adviser, once the text is frozen and until the convention ends."""
        if self.convention.status not in FOLLOWED_UP:
            return False
        return self.has_edit_right or (sheet.pilot_id is not None and sheet.pilot_id in self.acting_organisation_ids)

    def may_record_deliberation(self, deliberation) -> bool:
        """A member of the party (not a mere viewer), or on its behalf the territory's
        coordinator or the CAF's adviser, while deliberations and signatures run; an adopted
        decision stays as recorded."""
        return (
            self.convention.status in DELIBERATING
            and deliberation.outcome != deliberation.Outcome.ADOPTED
            and self.may_act_for_party(deliberation.party)
        )

    def may_act_for_party(self, party) -> bool:
        return self.has_edit_right or self.can_manage or party.organisation_id in self.acting_organisation_ids

    def may_designate_signatory(self, party) -> bool:
        """The owning CAF's advisers, and the admins of the party's organisation, name who signs."""
        return self.can_manage or party.organisation_id in self.administered_organisation_ids

    @cached_property
    def administered_organisation_ids(self) -> set[int]:
        if not (self.user.is_authenticated and self.user.is_active):
            return set()
        return set(
            Membership.objects.effective()
            .filter(user=self.user, role=Role.ADMIN)
            .values_list("organisation_id", flat=True)
        )


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
        "manage_draft": access.can_manage_parties,
    }[action]
    if not allowed:
        if (action == "edit" and access.has_edit_right) or (action == "manage_draft" and access.can_manage):
            raise PermissionDenied(
                "Cette convention n'est plus modifiable : elle n'est ni en brouillon ni en relecture."
            )
        raise PermissionDenied("Vous n'avez pas le droit de faire cette action sur cette convention.")
    convention.access = access
    return convention
