"""Stored files (signed acts, documents, sealed PDFs, minutes) leave only through views that
checked the user's rights first; nothing under MEDIA_ROOT is served directly.

In production, with `PROTECTED_FILES_ACCEL_PREFIX` set (e.g. "/_fichiers/"), the view only
answers with an `X-Accel-Redirect` header and the reverse proxy (nginx, `internal` location
on MEDIA_ROOT) sends the bytes: a gunicorn worker is not held for a 60-page PDF. Without it
(the demo, the tests, a deployment without such a proxy), Django streams the file itself."""

from urllib.parse import quote

from django.conf import settings
from django.http import FileResponse, HttpResponse
from django.utils.http import content_disposition_header


def file_response(field_file, filename: str, content_type: str, *, inline: bool = False) -> HttpResponse:
    """The file, to download or, with `inline`, to read in the browser (its PDF viewer)."""
    prefix = settings.PROTECTED_FILES_ACCEL_PREFIX
    if prefix:
        response = HttpResponse(content_type=content_type)
        response["X-Accel-Redirect"] = prefix.rstrip("/") + "/" + quote(field_file.name)
    else:
        response = FileResponse(field_file.open("rb"), content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(as_attachment=not inline, filename=filename)
    response["X-Content-Type-Options"] = "nosniff"
    return response
