"""Strict test set-up: unknown template variables fail, warnings are errors (pyproject),
and the test database holds the real national geography, loaded once per run."""

import os
import threading

import pytest
from django.conf import settings
from django.core.management.commands import flush as flush_command
from django.db import connections
from hypothesis import settings as hypothesis_settings

from diagnostics.models import InterventionField
from diagnostics.reference import ensure_fields
from governance.timestamping import LocalTimestampAuthority
from territories.geography import create_caf_organisations, load_geography
from territories.models import EPCI, Commune, Departement, Organisation, Region
from tests.factories import MembershipFactory, OrganisationFactory, UserFactory
from tests.proconnect import oidc_provider, proconnect_settings  # noqa: F401 (fixtures)

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


# Reference data that no test changes: transactional tests leave it in place when they empty
# the database after themselves.
GEOGRAPHY_TABLES = {model._meta.db_table for model in (Region, Departement, EPCI, Commune)}


def _sql_flush_keeping_the_geography(style, connection, reset_sequences=True, allow_cascade=False):
    tables = connection.introspection.django_table_names(only_existing=True, include_views=False)
    return connection.ops.sql_flush(
        style,
        [table for table in tables if table not in GEOGRAPHY_TABLES],
        reset_sequences=reset_sequences,
        allow_cascade=allow_cascade,
    )


@pytest.fixture(scope="session", autouse=True)
def _flushes_keep_the_geography():
    """Transactional tests (a live server, a real worker) empty every table after themselves;
    reloading the 35,000 communes after each of them took most of the suite's time. The
    geography tables are kept instead; what refers to them (organisations, conventions…) is
    emptied as before."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(flush_command, "sql_flush", _sql_flush_keeping_the_geography)
        yield


DATABASE_FIXTURES = {"db", "transactional_db", "django_db_reset_sequences", "django_db_serialized_rollback"}


@pytest.fixture(scope="session")
def national_geography(_flushes_keep_the_geography, django_db_setup, django_db_blocker):
    """The 34,969 communes and 1,255 EPCI of the real geography, the 101 CAF and the reference
    list of intervention fields, in the test database. The geography is loaded once per run,
    committed outside the tests' transactions; what a transactional test empties (the CAF, the
    fields) is created again when missing (`ensure_national_geography`)."""
    ensure_national_geography(django_db_blocker)


def ensure_national_geography(django_db_blocker):
    """Load what is missing on a connection of its own, committed at once: loaded inside a
    test's transaction, it was rolled back with the test and loaded again by the next one
    (two seconds and a half for every test that uses the database)."""
    with django_db_blocker.unblock():
        if Commune.objects.exists() and Organisation.objects.cafs().exists() and InterventionField.objects.exists():
            return
        failures = []
        loader = threading.Thread(target=_load_reference_data, args=(failures,))
        loader.start()
        loader.join()
    if failures:
        raise failures[0]


def _load_reference_data(failures):
    try:
        if not Commune.objects.exists():
            load_geography()
        elif not Organisation.objects.cafs().exists():
            create_caf_organisations()
        if not InterventionField.objects.exists():  # data of a migration
            ensure_fields(InterventionField)
    except Exception as error:  # noqa: BLE001 - raised again in the test's thread
        failures.append(error)
    finally:
        connections.close_all()


@pytest.fixture(autouse=True)
def _national_geography(request, django_db_blocker):
    """Every test that uses the database sees the national geography; a test without the
    database (a module run alone) sets none up."""
    if not request.node.get_closest_marker("django_db") and not DATABASE_FIXTURES & set(request.fixturenames):
        return
    request.getfixturevalue("national_geography")
    ensure_national_geography(django_db_blocker)


@pytest.fixture(scope="session", autouse=True)
def timestamp_authority(tmp_path_factory):
    """A real RFC 3161 authority on this machine, over HTTP, for every seal of the run (and for
    the workers that the tests start as processes of their own, through the environment)."""
    authority = LocalTimestampAuthority(tmp_path_factory.mktemp("tsa"))
    url = authority.start()
    with pytest.MonkeyPatch.context() as patch:
        for name, value in {"SEAL_TSA_URL": url, "SEAL_TSA_ROOTS_FILE": str(authority.certificate_file)}.items():
            patch.setattr(settings, name, value)
            patch.setenv(name, value)
        yield authority
    authority.stop()


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


def pytest_collection_modifyitems(config, items):
    """The long tests (journeys in a browser, real workers) first: spread over the test
    processes from the start, they no longer end the run alone on one of them."""
    items.sort(key=lambda item: not (item.get_closest_marker("browser") or item.get_closest_marker("worker")))
