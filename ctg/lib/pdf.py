"""HTML to PDF with WeasyPrint, for every document the platform prints."""

from pathlib import Path

from django.conf import settings
from weasyprint import HTML

STATIC = Path(settings.BASE_DIR) / "static"


def html_to_pdf(html: str) -> bytes:
    """The PDF of `html`; relative addresses (style sheets, fonts, images) are the app's static
    files."""
    # The embedded font subsets have no narrow no-break space: a no-break space takes its place.
    html = html.replace("\u202f", "\u00a0")
    return HTML(string=html, base_url=str(STATIC)).write_pdf()
