"""Pages served again from the cache (ctg.page_cache): faster, and never stale, never someone
else's. Every other test runs with the cache on as well (conftest), so each test that changes
data and reads a page again also proves the page followed."""

import re

import pytest
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from actions.models import Step
from ctg import page_cache, rights
from ctg.models import Convention, Revision
from governance.models import ConventionVersion
from territories.models import Membership, Organisation, Role, User
from tests.factories import DEFAULT_PASSWORD, MembershipFactory, add_plan, make_convention

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([A-Za-z0-9]{64})"')


def read(client, url):
    response = client.get(url)
    return response.status_code, response.get("X-Page-Cache"), response.content.decode()


def without_tokens(html):
    return re.sub(r'(csrfmiddlewaretoken" value="|csrf-token" content=")[A-Za-z0-9]{64}', r"\1", html)


@pytest.fixture
def convention(db):
    convention = add_plan(make_convention(), axes=1, objectives=1, sheets=2)
    Step.objects.create(sheet=convention.sheets.first(), title="Réunir les assistantes maternelles")
    return convention


@pytest.fixture
def adviser(convention):
    return MembershipFactory(organisation=convention.caf, role=Role.CAF_ADVISER).user


def test_a_page_is_served_again_in_three_queries_until_its_convention_changes(client, convention, adviser):
    other = make_convention(epci_siren="200066777")
    sheet = convention.sheets.first()
    url = sheet.get_absolute_url()
    client.force_login(adviser)
    status, source, built = read(client, url)
    assert (status, source) == (200, "miss")
    with CaptureQueriesContext(connection) as queries:
        status, source, served = read(client, url)
    # The session, the user, the revisions: what the smallest view costs, plus one.
    assert (status, source, len(queries)) == (200, "hit", 3)
    assert without_tokens(served) == without_tokens(built)
    assert page_cache.CSRF_PLACEHOLDER.decode() not in served

    Convention.objects.filter(pk=other.pk).update(title="Une autre convention change")
    assert read(client, url)[1] == "hit"  # another convention's change leaves this page cached

    # A bulk update of a step (a row two foreign keys away from the convention), no signal sent.
    Step.objects.filter(sheet=sheet).update(title="Étape renommée en masse")
    status, source, html = read(client, url)
    assert (source, "Étape renommée en masse" in html) == ("miss", True)
    assert "Réunir les assistantes maternelles" not in html
    with connection.cursor() as cursor:
        cursor.execute("UPDATE actions_actionsheet SET title = 'Titre écrit en SQL' WHERE id = %s", [sheet.pk])
    assert "Titre écrit en SQL" in read(client, url)[2]


def test_names_shown_everywhere_and_rights_reach_cached_pages(client, convention, adviser):
    url = convention.get_absolute_url()
    client.force_login(adviser)
    assert read(client, url)[:2] == (200, "miss")
    assert read(client, url)[:2] == (200, "hit")
    Organisation.objects.filter(pk=convention.caf_id).update(name="Caf du Bourbonnais")
    status, source, html = read(client, url)
    assert (source, "Caf du Bourbonnais" in html) == ("miss", True)

    outsider = MembershipFactory(role=Role.CAF_ADVISER).user
    stranger = Client()
    stranger.force_login(outsider)
    assert stranger.get(url).status_code == 404  # the adviser's cached page is theirs alone

    Membership.objects.get(user=adviser).delete()
    assert client.get(url).status_code == 404  # rights taken back: nothing served from the cache


def test_lists_follow_the_conventions_the_user_sees(client, convention, adviser):
    client.force_login(adviser)
    for name in ("convention_list", "home", "caf_dashboard"):
        assert read(client, reverse(name))[:2] == (200, "miss")
        assert read(client, reverse(name))[:2] == (200, "hit")
    Convention.objects.filter(pk=convention.pk).update(title="CTG du bocage bourbonnais")
    for name in ("convention_list", "home"):
        assert "CTG du bocage bourbonnais" in read(client, reverse(name))[2]
    Convention.objects.filter(pk=convention.pk).update(end_date="2027-12-31")
    assert "2025-2027" in read(client, reverse("caf_dashboard"))[2]

    following = make_convention(caf=convention.caf, start="2029-01-01", end="2032-12-31")
    Convention.objects.filter(pk=following.pk).update(title="La CTG suivante")
    assert "La CTG suivante" in read(client, reverse("convention_list"))[2]
    rights.revoke(following, convention.caf)
    assert "La CTG suivante" not in read(client, reverse("convention_list"))[2]
    assert client.get(following.get_absolute_url()).status_code == 404


def test_a_cached_page_carries_the_request_s_own_csrf_token(convention, adviser):
    client = Client(enforce_csrf_checks=True)
    client.force_login(adviser)
    sheet = convention.sheets.first()
    url = sheet.get_absolute_url()
    client.get(url)
    status, source, html = read(client, url)
    assert (status, source) == (200, "hit")
    comment = reverse(
        "comment_create", kwargs={"convention_pk": convention.pk, "target_type": "fiche", "target_pk": sheet.pk}
    )
    response = client.post(
        comment, {"text": "Le relais petite enfance s'y associe.", "csrfmiddlewaretoken": TOKEN.search(html)[1]}
    )
    assert response.status_code == 302
    status, source, html = read(client, url)
    # A page with a message to show is built for this request only.
    assert (source, "Commentaire publié." in html, "Le relais petite enfance" in html) == (None, True, True)
    status, source, html = read(client, url)
    assert (source, "Commentaire publié." in html) == ("miss", False)
    assert client.post(comment, {"text": "Sans jeton"}).status_code == 403


def test_the_public_page_is_cached_until_it_is_withdrawn(client, convention):
    ConventionVersion.objects.create(
        convention=convention,
        number=1,
        snapshot={},
        snapshot_sha256="0" * 64,
        pdf="v.pdf",
        pdf_sha256="0" * 64,
        signed_sha256="1" * 64,
        sealed_at=timezone.now(),
    )
    Convention.objects.filter(pk=convention.pk).update(is_published=True)
    url = reverse("public_convention", kwargs={"convention_pk": convention.pk})
    assert read(client, url)[:2] == (200, "miss")
    assert read(client, url)[:2] == (200, "hit")
    Convention.objects.filter(pk=convention.pk).update(is_published=False)
    assert client.get(url).status_code == 404


def test_no_cache_without_postgresql_triggers_or_when_turned_off(client, convention, adviser, settings):
    settings.PAGE_CACHE_SECONDS = 0
    client.force_login(adviser)
    assert client.get(convention.get_absolute_url()).get("X-Page-Cache") is None


def test_every_table_a_page_may_read_is_watched(db):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, count(*) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid"
            " WHERE t.tgname LIKE 'ctg_revision_%%' GROUP BY c.relname"
        )
        watched = dict(cursor.fetchall())
    tracked = {model._meta.db_table for model in page_cache.tracked_models()}
    assert len(tracked) > 50
    assert {table: watched.get(table) for table in tracked} == dict.fromkeys(tracked, 4)
    assert "django_session" not in watched and "ctg_outboundemail" not in watched
    # Rows that belong to a convention change that convention's pages only.
    for table in ("actions_indicatormeasure", "actions_step", "governance_deliberation", "ctg_historicalconvention"):
        model = next(m for m in page_cache.tracked_models() if m._meta.db_table == table)
        assert page_cache.scopes_query(model).startswith("SELECT 'c' || ")


@pytest.mark.django_db(transaction=True)
def test_revisions_move_at_commit_only_and_not_at_login():
    convention = add_plan(make_convention(), axes=1, objectives=1, sheets=1)
    adviser = MembershipFactory(organisation=convention.caf, role=Role.CAF_ADVISER).user

    def revision(scope):
        return Revision.objects.filter(scope=scope).values_list("value", flat=True).first() or 0

    before = {scope: revision(scope) for scope in (f"c{convention.pk}", "*", "g")}
    with pytest.raises(RuntimeError), transaction.atomic():
        Step.objects.create(sheet=convention.sheets.get(), title="Annulée")
        raise RuntimeError
    assert {scope: revision(scope) for scope in before} == before
    Step.objects.create(sheet=convention.sheets.get(), title="Gardée")
    assert revision(f"c{convention.pk}") == before[f"c{convention.pk}"] + 1
    assert revision("*") == before["*"] + 1 and revision("g") == before["g"]
    caf_group = adviser.groups.get(name=f"org-{convention.caf_id}")
    assert revision(f"k{caf_group.pk}") > 0  # the CAF's lists show the convention

    response = Client().post(reverse("login"), {"username": adviser.email, "password": DEFAULT_PASSWORD})
    assert response.status_code == 302
    assert User.objects.get(pk=adviser.pk).last_login is not None
    assert revision("g") == before["g"]  # a login writes last_login, which no page shows
