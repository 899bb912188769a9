"""Every URL of the project, enumerated from the resolver, as each role: the expected answer to
a GET written down (200 shown, 403 refused to a member, 404 to whoever may not know the object
exists, 405 POST only, 302 to the login page), and no POST that tells an outsider anything.

A URL whose keyword arguments are not in OBJECT_KWARGS, or that has no row, fails
test_every_url_has_a_row: a new view is covered as soon as it exists; a change of rights shows
as a changed row. The world: a draft convention of a CAF with all its parts, and an outsider,
an adviser of another CAF."""

from dataclasses import dataclass
from datetime import date, timedelta
from urllib.parse import urlparse

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from actions.models import PendingSheetImport
from diagnostics.models import DiagnosticSection, Finding, Indicator, InterventionField, Need, Workshop
from governance.models import (
    Committee,
    ConventionVersion,
    Deliberation,
    Document,
    Meeting,
    PartyInvitation,
    SignatureRequest,
)
from governance.workflows import reissue_link
from territories import services as territory_services
from territories.models import Invitation, JoinRequest, Role
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory, add_plan, make_convention

# URLs that are public on purpose, or that no object is bound to; each says why.
PUBLIC = {
    "login": "the login page",
    "logout": "logging out needs no account",
    "accessibility": "the accessibility statement is public (RGAA)",
    "health": "the health check is read by the load balancer",
    "accept_invitation": "the token is the credential; tested in test_organisations",
    "password_reset": "asking for a reset link needs no account",
    "password_reset_done": "a static confirmation",
    "password_reset_confirm": "the signed token is the credential; tested in test_auth",
    "password_reset_complete": "a static confirmation",
    "verify_document": "anyone may check a sealed PDF",
    "public_convention": "public when published and signed, 404 otherwise; tested in test_publication",
    "public_convention_pdf": "public when published and signed, 404 otherwise; tested in test_publication",
    "proconnect_login": "the way in with ProConnect; tested in test_proconnect",
    "proconnect_callback": "the state, code and signed tokens are the credentials; tested in test_proconnect",
}
# Logged-in pages that list only the user's own things, bound to no object.
NO_OBJECT = {
    "home",
    "territory_search",
    "password_change",
    "password_change_done",
    "convention_list",
    "convention_create",
    "convention_import_json",
    "sheet_list",
    "caf_dashboard",
    "notifications",
    "demo_mailbox",
    "profile",
    "sign_out_everywhere",
    "join_organisation",
}
# Django's admin checks staff status itself and is not a tenant surface.
EXEMPT_NAMESPACES = {"admin"}


@dataclass
class World:
    """An organisation with its objects (a convention and all its parts), and an outsider:
    an adviser of another CAF, who may create conventions of their own."""

    organisation: object
    membership: object
    invitation: object
    convention: object
    sheet: object
    finding: object
    indicator: object
    need: object
    workshop: object
    section: object
    pending_import: object
    document: object
    version: object
    deliberation: object
    signature: object
    committee: object
    meeting: object
    party_invitation: object
    join_request: object
    outsider: object


@pytest.fixture
def world(db):
    organisation = OrganisationFactory(caf=True)
    membership = MembershipFactory(organisation=organisation, role=Role.ADMIN)
    invitation, _ = Invitation.issue(
        organisation=organisation, email="invitee@exemple.fr", role=Role.VIEWER, invited_by=membership.user
    )
    convention = add_plan(make_convention(caf=organisation), axes=1, objectives=1, sheets=1)
    field = InterventionField.objects.first()
    outsider = MembershipFactory(organisation=OrganisationFactory(caf=True), role=Role.CAF_ADVISER).user
    # A partner with people on the platform, invited: only its own admin may answer.
    partner = MembershipFactory(organisation=OrganisationFactory(kind="msa"), role=Role.ADMIN).organisation
    return World(
        party_invitation=PartyInvitation.objects.create(convention=convention, organisation=partner),
        # An agent asks to join the CAF: only its admin decides.
        join_request=JoinRequest.objects.create(user=UserFactory(), organisation=organisation),
        organisation=organisation,
        membership=membership,
        invitation=invitation,
        convention=convention,
        sheet=convention.sheets.get(),
        finding=Finding.objects.create(convention=convention, field=field, kind="force", text="Un constat"),
        indicator=Indicator.objects.create(convention=convention, label="Population", value=1, year=2024),
        need=Need.objects.create(convention=convention, title="Un enjeu"),
        workshop=Workshop.objects.create(convention=convention, title="Atelier", date=date(2024, 3, 1)),
        section=DiagnosticSection.objects.create(convention=convention, title="Démographie et familles"),
        pending_import=PendingSheetImport.objects.create(
            convention=convention, user=membership.user, filename="f.csv", content=b"x"
        ),
        document=Document.objects.create(
            convention=convention,
            kind="convention",
            input_hash="0" * 64,
            file=ContentFile(b"%PDF-1.7", name="convention.pdf"),
            filename="convention.pdf",
            sha256="0" * 64,
            size=8,
        ),
        outsider=outsider,
        **workflow_objects(convention),
    )


def workflow_objects(convention):
    """A frozen version with a deliberation and a signature request (made directly: fast)."""
    version = ConventionVersion.objects.create(
        convention=convention,
        number=1,
        snapshot={},
        snapshot_sha256="0" * 64,
        pdf=ContentFile(b"%PDF-1.7", name="v1.pdf"),
        pdf_sha256="0" * 64,
    )
    party = convention.parties.filter(needs_deliberation=True).first()
    deliberation = Deliberation.objects.create(
        convention=convention,
        version=version,
        party=party,
        due_date=date(2030, 1, 1),
        signed_act=ContentFile(b"%PDF", name="a.pdf"),
    )
    signature = SignatureRequest.objects.create(
        convention=convention,
        version=version,
        party=party,
        signing_group=1,
        token_hash="1" * 64,
        token_expires_at=timezone.now() + timedelta(days=1),
        status="open",
    )
    committee = Committee.objects.create(convention=convention, kind="copil")
    meeting = Meeting.objects.create(
        convention=convention, committee=committee, date=date(2026, 3, 1), minutes=ContentFile(b"%PDF", name="cr.pdf")
    )
    return {
        "version": version,
        "deliberation": deliberation,
        "signature": signature,
        "committee": committee,
        "meeting": meeting,
    }


# How to fill each keyword argument with an object of the world's organisation.
OBJECT_KWARGS = {
    "organisation_pk": lambda w: w.organisation.pk,
    "membership_pk": lambda w: w.membership.pk,
    "invitation_pk": lambda w: w.invitation.pk,
    "convention_pk": lambda w: w.convention.pk,
    "party_pk": lambda w: w.convention.parties.filter(needs_deliberation=True).first().pk,
    "axis_pk": lambda w: w.convention.axes.get().pk,
    "objective_pk": lambda w: w.convention.objectives.get().pk,
    "sheet_pk": lambda w: w.sheet.pk,
    "finding_pk": lambda w: w.finding.pk,
    "indicator_pk": lambda w: w.indicator.pk,
    "need_pk": lambda w: w.need.pk,
    "workshop_pk": lambda w: w.workshop.pk,
    "section_pk": lambda w: w.section.pk,
    "import_pk": lambda w: w.pending_import.pk,
    "document_pk": lambda w: w.document.pk,
    "version_pk": lambda w: w.version.pk,
    "deliberation_pk": lambda w: w.deliberation.pk,
    "request_pk": lambda w: w.signature.pk,
    "committee_pk": lambda w: w.committee.pk,
    "meeting_pk": lambda w: w.meeting.pk,
    "party_invitation_pk": lambda w: w.party_invitation.pk,
    "join_request_pk": lambda w: w.join_request.pk,
    # The signature link of a party of the world's convention.
    "token": lambda w: reissue_link(w.signature),
    # A comment's target: the sheet.
    "target_type": lambda w: "fiche",
    "target_pk": lambda w: w.sheet.pk,
    # Not an object, but part of object URLs (the export format).
    "file_format": lambda w: "xlsx",
    "document_format": lambda w: "pdf",
    "year": lambda w: w.convention.start_date.year,
}


def iter_patterns(resolver=None, prefix="", namespace=None, converters=None):
    """(namespace, name, route, keyword arguments) of every URL, through the includes."""
    resolver = resolver or get_resolver()
    converters = converters or {}
    for entry in resolver.url_patterns:
        kwargs = {**converters, **getattr(entry.pattern, "converters", {})}
        if isinstance(entry, URLResolver):
            inner_namespace = entry.namespace or namespace
            yield from iter_patterns(entry, prefix + str(entry.pattern), inner_namespace, kwargs)
        elif isinstance(entry, URLPattern):
            yield namespace, entry.name, prefix + str(entry.pattern), set(kwargs)


def project_patterns():
    """[(url name, {keyword arguments})] of every URL outside the exempt namespaces."""
    patterns = []
    for namespace, name, route, kwargs in iter_patterns():
        if namespace in EXEMPT_NAMESPACES:
            continue
        if name is None:
            raise AssertionError(f"L'URL {route} n'a pas de nom : impossible de la couvrir.")
        patterns.append((name, kwargs))
    return patterns


ROLES = ("admin_caf", "conseil_caf", "lecteur_caf", "coord_epci", "commune", "hors", "anonyme", "desactivee")
# The last column: an officer of a commune party whose organisation was deactivated (as in the admin).
# fmt: off
READ =                 (200, 200, 200, 200, 200, 404, 302, 404)  # every party's members read
EDIT =                 (200, 200, 403, 200, 403, 404, 302, 404)  # the CAF and the territory write, while open
MANAGE =               (200, 200, 403, 403, 403, 404, 302, 404)  # the owning CAF runs the lifecycle
RECORD =               (200, 200, 403, 200, 200, 404, 302, 404)  # the party's members (not viewers) record
NOT_NOW =              (403, 403, 403, 403, 403, 404, 302, 404)  # not in this status (a draft)
POST_ONLY =            (405, 405, 405, 405, 405, 405, 302, 405)
OWN =                  (200, 200, 200, 200, 200, 200, 302, 200)  # a user's own pages and lists
CAF_MEMBERS =          (200, 200, 200, 403, 403, 200, 302, 403)  # the outsider is an adviser of a CAF too
CAF_WRITERS =          (200, 200, 403, 403, 403, 200, 302, 403)
ORGANISATION_MEMBERS = (200, 200, 200, 404, 404, 404, 302, 404)
ABSENT =               (404, 404, 404, 404, 404, 404, 302, 404)  # not sealed yet, or a token not theirs
PUBLIC_ABSENT =        (404, 404, 404, 404, 404, 404, 404, 404)  # not published
# fmt: on

MATRIX = {
    "accept_pending_invitation": POST_ONLY,
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
    "convention_invitation_revoke": POST_ONLY,
    "convention_invite": POST_ONLY,
    "convention_import_json": CAF_WRITERS,
    "convention_list": OWN,
    "convention_renew": NOT_NOW,
    "convention_transition": POST_ONLY,
    "demo_mailbox": ABSENT,  # the demo's only (each account its own e-mails: test_demo)
    "deliberation_act": READ,
    "deliberation_export": READ,
    "deliberation_list": READ,
    "deliberation_record": RECORD,
    "deliberation_transmission": ABSENT,  # adopted deliberations only (test_deliberation_rules)
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
    "join_organisation": OWN,
    "join_request_cancel": POST_ONLY,
    "join_request_decide": (200, 404, 404, 404, 404, 404, 302, 404),  # the organisation's admin
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
    "organisation_edit": (200, 403, 403, 404, 404, 404, 302, 404),  # its admin only
    "party_add": POST_ONLY,
    "party_edit": MANAGE,
    "party_invitation": ABSENT,  # its own admin's only (test_parties)
    "party_invitation_withdraw": POST_ONLY,
    "party_keep": POST_ONLY,
    "party_list": READ,
    "party_deliberation": READ,  # any party's members get any party's act (a commune its own first)
    "party_remove": POST_ONLY,
    "party_signatory": MANAGE,  # the CAF's advisers and the party's own admins (test_signatories)
    "password_change": OWN,
    "password_change_done": OWN,
    "plan_detail": READ,
    "profile": OWN,
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
    "sign_out_everywhere": POST_ONLY,
    "signature_paper": MANAGE,
    # The party's (a commune's) members who are neither its executive nor a delegate: 403.
    "signature_sign": (404, 404, 404, 404, 403, 404, 302, 404),
    "territory_search": OWN,
    "version_pdf": READ,
    "version_signed_pdf": ABSENT,
    "workflow": READ,
    "workflow_action": POST_ONLY,
    "section_create": EDIT,
    "section_delete": EDIT,
    "section_update": EDIT,
    "workshop_create": EDIT,
    "workshop_delete": EDIT,
    "workshop_update": EDIT,
}
# Public pages have their own tests (below, and in test_publication, test_auth).
NOT_IN_MATRIX = set(PUBLIC) - {"public_convention"}


def test_every_url_has_a_row():
    patterns = dict(project_patterns())
    assert set(patterns) - NOT_IN_MATRIX == set(MATRIX)
    for name, kwargs in patterns.items():
        if name in PUBLIC:
            continue
        unknown = kwargs - OBJECT_KWARGS.keys()
        assert not unknown, f"{name}: add {unknown} to OBJECT_KWARGS (or exempt it with a reason)"
        assert kwargs or name in NO_OBJECT, f"{name}: bound to no object; add it to NO_OBJECT"


def test_each_role_gets_the_expected_answer_on_every_url(world):
    convention = world.convention
    territory = territory_services.organisation_for_epci(convention.epci)
    commune, deactivated = [
        party.organisation for party in convention.parties.filter(organisation__kind="commune").order_by("pk")[:2]
    ]
    users = {
        "admin_caf": world.membership.user,
        "conseil_caf": MembershipFactory(organisation=world.organisation, role=Role.CAF_ADVISER).user,
        "lecteur_caf": MembershipFactory(organisation=world.organisation, role=Role.VIEWER).user,
        "coord_epci": MembershipFactory(organisation=territory, role=Role.COORDINATOR).user,
        "commune": MembershipFactory(organisation=commune, role=Role.COMMUNE_OFFICER).user,
        "hors": world.outsider,
        "anonyme": None,
        "desactivee": MembershipFactory(organisation=deactivated, role=Role.COMMUNE_OFFICER).user,
    }
    deactivated.is_active = False
    deactivated.save()
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


def test_outsiders_post_nothing_and_learn_nothing(world):
    """The matrix reads every URL with GET; a POST must tell an outsider no more, and send an
    anonymous visitor to the login page."""
    anonymous, outsider = Client(), Client()
    outsider.force_login(world.outsider)
    wrong = []
    for name, keywords in project_patterns():
        if not keywords or name in PUBLIC:
            continue
        url = reverse(name, kwargs={key: OBJECT_KWARGS[key](world) for key in keywords})
        response = anonymous.post(url)
        if response.status_code != 302 or urlparse(response["Location"]).path != reverse("login"):
            wrong.append(f"POST {url} anonymous: {response.status_code}")
        response = outsider.post(url)
        if response.status_code not in (404, 405) or world.convention.title in response.content.decode():
            wrong.append(f"POST {url} outsider: {response.status_code}")
        # At least one of GET and POST reached the view (405 on both would test nothing).
        if 404 not in {response.status_code, outsider.get(url).status_code}:
            wrong.append(f"{url}: neither GET nor POST reached the view")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("name", sorted(NO_OBJECT))
def test_pages_bound_to_no_object_need_a_login(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert urlparse(response["Location"]).path == reverse("login")


# Public pages bound to an object, or to a token, have tests of their own.
OBJECT_BOUND_PUBLIC = {
    "accept_invitation",
    "logout",
    "password_reset_confirm",
    "public_convention",
    "public_convention_pdf",
    "proconnect_login",  # 404 unless configured, then off to the provider (test_proconnect)
    "proconnect_callback",
}


@pytest.mark.parametrize("name", sorted(set(PUBLIC) - OBJECT_BOUND_PUBLIC))
def test_public_pages_open_without_login(client, db, name, settings):
    settings.DEMO_MAILBOX = True
    assert client.get(reverse(name)).status_code == 200


def test_the_world_is_consistent(world):
    # Guards the fixture itself: the outsider really is outside.
    assert not UserFactory._meta.model.objects.filter(
        pk=world.outsider.pk, memberships__organisation=world.organisation
    ).exists()
