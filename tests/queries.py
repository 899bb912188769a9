"""Counting the queries of a page, as the guards of the national scale do."""

from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings


@override_settings(PAGE_CACHE_SECONDS=0)
def count_queries(client, url):
    """The queries of one GET of `url` as the page is built (not served again from the page
    cache: tests/test_page_cache.py counts that), once the per-process caches (content types,
    départements) are warm, as in production."""
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return len(queries)
