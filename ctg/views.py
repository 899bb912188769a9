from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from ctg.models import OutboundEmail
from territories.models import Membership


def home(request):
    memberships = (
        Membership.objects.filter(user=request.user)
        .select_related("organisation")
        .order_by("organisation__name")
    )
    return render(request, "ctg/home.html", {"memberships": memberships})


@login_not_required
def accessibility(request):
    return render(request, "ctg/accessibility.html")


@login_not_required
@never_cache
def health(request):
    """Liveness of the parts a page needs: the database and the broker."""
    checks = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception as error:  # noqa: BLE001 - any failure is reported, not raised
        checks["database"] = f"erreur : {error.__class__.__name__}"
    try:
        from ctg.celery import app

        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        checks["broker"] = "ok"
    except Exception as error:  # noqa: BLE001
        checks["broker"] = f"erreur : {error.__class__.__name__}"
    healthy = all(value == "ok" for value in checks.values())
    return JsonResponse({"status": "ok" if healthy else "erreur", **checks}, status=200 if healthy else 503)


@login_not_required
def demo_mailbox(request):
    """Demo only: the e-mails the platform sent, since the demo sends none for real."""
    if not settings.DEMO_MAILBOX:
        raise Http404
    emails = OutboundEmail.objects.all()[:200]
    return render(request, "ctg/demo_mailbox.html", {"emails": emails})
