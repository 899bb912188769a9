"""The app's URLs plus the floor: the least a page can cost on this stack (every middleware,
the session and the user loaded from the database, a response with no template)."""

from django.http import HttpResponse
from django.urls import include, path


def floor(request):
    return HttpResponse(f"plancher {request.user.pk}", content_type="text/plain")


urlpatterns = [
    path("plancher/", floor, name="floor"),
    path("", include("ctg.urls")),
]
