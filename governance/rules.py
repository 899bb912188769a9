"""Who may act in the workflow of a convention (beyond seeing it)."""

from territories.models import Membership, Role


def may_record_deliberation(user, convention, deliberation) -> bool:
    """A member of the party (not a mere viewer), or on its behalf the territory's
    coordinator or the CAF's adviser (who hold the convention's edit right)."""
    if convention.access.has_edit_right or convention.access.can_manage:
        return True
    return (
        Membership.objects.filter(user=user, organisation_id=deliberation.party.organisation_id)
        .exclude(role=Role.VIEWER)
        .exists()
    )
