"""HTML to PDF with WeasyPrint, for every document the platform prints."""

import threading
from pathlib import Path
from urllib.parse import unquote, urlparse

from django.conf import settings
from weasyprint import HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher

STATIC = (Path(settings.BASE_DIR) / "static").resolve()


class ForbiddenResource(ValueError):
    pass


class StaticOnlyFetcher(URLFetcher):
    """WeasyPrint's fetcher, restricted to the app's own static files (style sheets, fonts)
    and inline data: a document never reads another file of the server, nor anything on the
    network, whatever its text holds."""

    def fetch(self, url, headers=None):
        parsed = urlparse(url)
        if parsed.scheme == "data":
            return super().fetch(url, headers)
        if parsed.scheme == "file":
            path = Path(unquote(parsed.path)).resolve()
            if path.is_relative_to(STATIC) and path.is_file():
                return super().fetch(url, headers)
        raise ForbiddenResource(f"Ressource refusée dans un document : {url}")


_fonts = threading.local()


def _font_configuration() -> FontConfiguration:
    """One font configuration per thread, kept: the app's fonts (WOFF2) are decompressed once,
    not at every document (a good part of a short document's time)."""
    if not hasattr(_fonts, "configuration"):
        _fonts.configuration = FontConfiguration()
    return _fonts.configuration


def html_to_pdf(html: str) -> bytes:
    """The PDF of `html`; relative addresses (style sheets, fonts, images) are the app's static
    files, and nothing else is read."""
    # The embedded font subsets have no narrow no-break space: a no-break space takes its place.
    html = html.replace("\u202f", "\u00a0")
    return HTML(string=html, base_url=str(STATIC), url_fetcher=StaticOnlyFetcher()).write_pdf(
        font_config=_font_configuration()
    )
