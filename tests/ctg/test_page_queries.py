"""Guards of the national scale: on a slice of the national dataset, every list and
detail page issues the same number of queries for a small and for a large convention (or for
a user who sees few and one who sees many), and that number is pinned."""

import pytest
from django.db.models import Count
from django.urls import reverse

from benchmarks.national_dataset import NARROW_USER, WIDE_USER, NationalDataset
from ctg.lifecycle import Status
from ctg.models import Convention
from territories.models import Membership, Organisation, Role, User
from tests.helpers import count_queries

pytestmark = pytest.mark.django_db

# Each status twice, so that every page has a small and a large convention to compare.
STATUSES = [s for s in Status.values if s != Status.ENDED for _ in (0, 1)]

CONVENTION_PAGES = {
    "convention_detail": 11,
    "diagnostic_detail": 11,
    "plan_detail": 7,
    "party_list": 12,
    "document_list": 10,
    "workflow": 9,
    "deliberation_list": 6,
    "committee_list": 7,
    "convention_history": 19,
}


@pytest.fixture
def national(db):
    NationalDataset(conventions=len(STATUSES), sheets=40 * len(STATUSES), users=1000, statuses=STATUSES).build()


def small_and_large(status):
    """The conventions of a status with the fewest and the most parties (and sheets)."""
    conventions = list(Convention.objects.filter(status=status).annotate(n=Count("parties")).order_by("n"))
    small, large = conventions[0], conventions[-1]
    assert large.n >= small.n + 10, "the dataset must make an N+1 visible"
    return small, large


def adviser_of(convention):
    return Membership.objects.filter(organisation_id=convention.caf_id, role=Role.CAF_ADVISER).first().user


def test_convention_pages_do_not_grow_with_the_convention(client, national):
    small, large = small_and_large(Status.SIGNATURES)
    counts = {name: [] for name in CONVENTION_PAGES}
    for convention in (small, large):
        client.force_login(adviser_of(convention))
        for name in CONVENTION_PAGES:
            counts[name].append(count_queries(client, reverse(name, kwargs={"convention_pk": convention.pk})))
    assert counts == {name: [pinned, pinned] for name, pinned in CONVENTION_PAGES.items()}


def test_sheet_and_yearly_review_pages_do_not_grow(client, national):
    small, large = small_and_large(Status.IN_FORCE)
    counts = {"sheet_detail": [], "sheet_history": [], "review": [], "public_convention": []}
    for convention in (small, large):
        client.force_login(adviser_of(convention))
        sheet = convention.sheets.annotate(n=Count("updates")).order_by("-n").first()
        kwargs = {"convention_pk": convention.pk}
        counts["sheet_detail"].append(
            count_queries(client, reverse("sheet_detail", kwargs={**kwargs, "sheet_pk": sheet.pk}))
        )
        counts["sheet_history"].append(
            count_queries(client, reverse("sheet_history", kwargs={**kwargs, "sheet_pk": sheet.pk}))
        )
        year = convention.start_date.year + 1
        counts["review"].append(count_queries(client, reverse("review", kwargs={**kwargs, "year": year})))
        client.logout()
        counts["public_convention"].append(count_queries(client, reverse("public_convention", kwargs=kwargs)))
    assert counts == {
        "sheet_detail": [13, 13],
        "sheet_history": [11, 11],
        "review": [10, 10],
        "public_convention": [1, 1],
    }


def test_pages_across_conventions_do_not_grow_with_what_the_user_sees(client, national):
    narrow, wide = User.objects.get(email=NARROW_USER), User.objects.get(email=WIDE_USER)
    assert Convention.objects.for_user(narrow).count() == 3
    assert Convention.objects.for_user(wide).count() == len(STATUSES)
    pinned = {"home": 8, "convention_list": 5, "sheet_list": 7, "notifications": 9}
    counts = {name: [] for name in pinned}
    for user in (narrow, wide):
        client.force_login(user)
        for name in pinned:
            counts[name].append(count_queries(client, reverse(name)))
    assert counts == {name: [n, n] for name, n in pinned.items()}


def test_the_caf_dashboard_and_the_organisation_page_do_not_grow(client, national):
    by_caf = Organisation.objects.cafs().annotate(n=Count("owned_conventions")).filter(n__gt=0).order_by("n", "pk")
    few, many = by_caf.first(), by_caf.last()
    assert many.n > few.n
    dashboards, organisation_pages = [], []
    for caf in (few, many):
        admin = Membership.objects.get(organisation=caf, role=Role.ADMIN).user
        client.force_login(admin)
        dashboards.append(count_queries(client, reverse("caf_dashboard")))
        organisation_pages.append(
            count_queries(client, reverse("organisation_detail", kwargs={"organisation_pk": caf.pk}))
        )
    assert (dashboards, organisation_pages) == ([7, 7], [11, 11])
