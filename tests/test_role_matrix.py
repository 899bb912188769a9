"""Every URL, as each role: the expected answer to a GET, written down (200 shown, 403 refused
to a member, 404 to whoever may not know the object exists, 405 POST only, 302 to the login
page). A new URL fails test_every_url_has_a_row until its row is written; a change of rights
shows as a changed row. The world: a draft convention of a CAF (tests/test_isolation.py)."""

from django.test import Client
from django.urls import reverse

from territories import services as territory_services
from territories.models import Role
from tests.factories import MembershipFactory
from tests.test_isolation import OBJECT_KWARGS, PUBLIC, project_patterns, world  # noqa: F401 - fixture

ROLES = ("admin_caf", "conseil_caf", "lecteur_caf", "coord_epci", "commune", "hors", "anonyme")
# fmt: off
READ =                 (200, 200, 200, 200, 200, 404, 302)  # every party's members read
EDIT =                 (200, 200, 403, 200, 403, 404, 302)  # the CAF and the territory write, while open
MANAGE =               (200, 200, 403, 403, 403, 404, 302)  # the owning CAF runs the lifecycle
RECORD =               (200, 200, 403, 200, 200, 404, 302)  # the party's members (not viewers) record
NOT_NOW =              (403, 403, 403, 403, 403, 404, 302)  # not in this status (a draft)
POST_ONLY =            (405, 405, 405, 405, 405, 405, 302)
OWN =                  (200, 200, 200, 200, 200, 200, 302)  # a user's own pages and lists
CAF_MEMBERS =          (200, 200, 200, 403, 403, 200, 302)  # the outsider is an adviser of a CAF too
CAF_WRITERS =          (200, 200, 403, 403, 403, 200, 302)
ORGANISATION_MEMBERS = (200, 200, 200, 404, 404, 404, 302)
ABSENT =               (404, 404, 404, 404, 404, 404, 302)  # not sealed yet, or a token not theirs
PUBLIC_ABSENT =        (404, 404, 404, 404, 404, 404, 404)  # not published
# fmt: on

MATRIX = {
    "audit_export": READ,
    "axis_create": EDIT,
    "axis_delete": EDIT,
    "axis_move": POST_ONLY,
    "axis_update": EDIT,
    "caf_dashboard": CAF_MEMBERS,
    "change_member_role": POST_ONLY,
    "comment_create": POST_ONLY,
    "committee_create": EDIT,
    "committee_list": READ,
    "convention_create": CAF_WRITERS,
    "convention_detail": READ,
    "convention_edit": EDIT,
    "convention_export_json": READ,
    "convention_history": READ,
    "convention_import_json": CAF_WRITERS,
    "convention_list": OWN,
    "convention_renew": NOT_NOW,
    "convention_transition": POST_ONLY,
    "deliberation_act": READ,
    "deliberation_export": READ,
    "deliberation_list": READ,
    "deliberation_record": RECORD,
    "diagnostic_detail": READ,
    "diagnostic_edit": EDIT,
    "document_download": READ,
    "document_generate": POST_ONLY,
    "document_list": READ,
    "finding_create": EDIT,
    "finding_delete": EDIT,
    "finding_update": EDIT,
    "home": OWN,
    "indicator_create": EDIT,
    "indicator_delete": EDIT,
    "indicator_update": EDIT,
    "invite_member": POST_ONLY,
    "meeting_create": EDIT,
    "meeting_edit": EDIT,
    "meeting_minutes": READ,
    "need_create": EDIT,
    "need_delete": EDIT,
    "need_update": EDIT,
    "notifications": OWN,
    "objective_create": EDIT,
    "objective_delete": EDIT,
    "objective_move": POST_ONLY,
    "objective_update": EDIT,
    "organisation_detail": ORGANISATION_MEMBERS,
    "party_add": POST_ONLY,
    "party_edit": MANAGE,
    "party_keep": POST_ONLY,
    "party_list": READ,
    "party_remove": POST_ONLY,
    "password_change": OWN,
    "password_change_done": OWN,
    "plan_detail": READ,
    "public_convention": PUBLIC_ABSENT,
    "remove_member": POST_ONLY,
    "review": READ,
    "revoke_invitation": POST_ONLY,
    "sheet_create": EDIT,
    "sheet_delete": EDIT,
    "sheet_detail": READ,
    "sheet_duplicate": POST_ONLY,
    "sheet_edit": EDIT,
    "sheet_export": READ,
    "sheet_follow_up": NOT_NOW,
    "sheet_history": READ,
    "sheet_import": EDIT,
    "sheet_import_confirm": POST_ONLY,
    "sheet_list": OWN,
    "sheet_move": POST_ONLY,
    "sheet_move_to": POST_ONLY,
    "sheet_progress": EDIT,
    "signature_paper": MANAGE,
    "signature_sign": ABSENT,
    "territory_search": OWN,
    "version_pdf": READ,
    "version_signed_pdf": ABSENT,
    "workflow": READ,
    "workflow_action": POST_ONLY,
    "workshop_create": EDIT,
    "workshop_delete": EDIT,
    "workshop_update": EDIT,
}
# Public pages have their own tests (test_isolation, test_publication, test_auth).
NOT_IN_MATRIX = set(PUBLIC) - {"public_convention"}


def test_every_url_has_a_row():
    names = {name for name, _ in project_patterns()} - NOT_IN_MATRIX
    assert names == set(MATRIX)


def test_each_role_gets_the_expected_answer_on_every_url(world):  # noqa: F811 - the fixture
    convention = world.convention
    territory = territory_services.organisation_for_epci(convention.epci)
    commune = convention.parties.filter(organisation__kind="commune").first().organisation
    users = {
        "admin_caf": world.membership.user,
        "conseil_caf": MembershipFactory(organisation=world.organisation, role=Role.CAF_ADVISER).user,
        "lecteur_caf": MembershipFactory(organisation=world.organisation, role=Role.VIEWER).user,
        "coord_epci": MembershipFactory(organisation=territory, role=Role.COORDINATOR).user,
        "commune": MembershipFactory(organisation=commune, role=Role.COMMUNE_OFFICER).user,
        "hors": world.outsider,
        "anonyme": None,
    }
    clients = {}
    for role, user in users.items():
        clients[role] = Client()
        if user is not None:
            clients[role].force_login(user)
    patterns = dict(project_patterns())
    found = {}
    for name in MATRIX:
        url = reverse(name, kwargs={key: OBJECT_KWARGS[key](world) for key in patterns[name]})
        found[name] = tuple(clients[role].get(url).status_code for role in ROLES)
    differences = {name: (MATRIX[name], found[name]) for name in MATRIX if found[name] != MATRIX[name]}
    assert not differences, f"(attendu, obtenu) par rôle {ROLES} : {differences}"
