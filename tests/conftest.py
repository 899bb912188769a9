"""Strict test set-up: unknown template variables fail, warnings are errors (pyproject),
and the test database holds the real national geography, loaded once per session."""

import os

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from hypothesis import settings as hypothesis_settings

from diagnostics.models import InterventionField
from diagnostics.reference import ensure_fields
from territories.geography import load_geography
from territories.models import Commune, Organisation
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory

# The test command runs the same generated cases every time (a submission's CI must not fail on
# a case drawn that day); HYPOTHESIS_PROFILE=explore draws new ones, many more, to look for bugs.
hypothesis_settings.register_profile("ci", derandomize=True, database=None, max_examples=40)
hypothesis_settings.register_profile("explore", max_examples=1000)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


class _InvalidTemplateVariable(str):
    """Makes `{{ unknown }}` raise instead of rendering an empty string."""

    def __mod__(self, variable):
        raise AssertionError(f"Variable de gabarit inconnue : {variable!r}")

    def __contains__(self, item):
        return item == "%s"


@pytest.fixture(autouse=True)
def _strict_templates(settings):
    settings.TEMPLATES = [
        {
            **settings.TEMPLATES[0],
            "OPTIONS": {
                **settings.TEMPLATES[0]["OPTIONS"],
                "string_if_invalid": _InvalidTemplateVariable("%s"),
            },
        }
    ]


@pytest.fixture(autouse=True)
def _page_cache(request, settings):
    """Pages are served again from the cache in every test, as in production, so that a test
    that changes data and reads the page again proves the page followed. The revisions are
    counted at the end of each statement instead of at commit: a test's transaction never
    commits."""
    settings.PAGE_CACHE_SECONDS = 900
    cache.clear()
    marker = request.node.get_closest_marker("django_db")
    if "db" in request.fixturenames or (marker and not marker.kwargs.get("transaction")):
        request.getfixturevalue("db")
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ctg_revision_flush IMMEDIATE")


@pytest.fixture(autouse=True)
def _national_geography(django_db_setup, django_db_blocker):
    """Every test sees the 34,969 communes, 1,255 EPCI and 101 CAF of the real geography, and
    the reference list of intervention fields.

    Loaded once, committed outside the tests' transactions; loaded again only after a
    transactional test has flushed the database."""
    with django_db_blocker.unblock():
        if not Commune.objects.exists() or not Organisation.objects.cafs().exists():
            load_geography()
        if not InterventionField.objects.exists():  # data of a migration, flushed by transactional tests
            ensure_fields(InterventionField)


@pytest.fixture
def caf(db):
    return OrganisationFactory(caf=True)


@pytest.fixture
def owner(db):
    """Three actors: an admin of an organisation, a read-only member, and an outsider."""
    return MembershipFactory(role="admin").user


@pytest.fixture
def outsider(db):
    return MembershipFactory().user


@pytest.fixture
def site_url():
    return settings.SITE_URL


@pytest.fixture
def user(db):
    return UserFactory()
