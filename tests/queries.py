"""Counting the queries of a page, as the guards of the national scale do."""

from django.db import connection
from django.test.utils import CaptureQueriesContext


def count_queries(client, url):
    """The queries of one GET of `url`, once the per-process caches (content types,
    départements) are warm, as in production."""
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return len(queries)
