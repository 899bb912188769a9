"""The public page of a signed convention (optional, per convention): no login.

Everything shown comes from the last signed version's snapshot, never from the live
convention: once an avenant is opened the live text is a draft, and drafts are not public."""

from datetime import date

from django.contrib.auth.decorators import login_not_required
from django.http import Http404
from django.shortcuts import render

from ctg.lib.files import file_response
from governance.models import ConventionVersion


def _signed_version(convention_pk) -> ConventionVersion:
    version = (
        ConventionVersion.objects.filter(
            convention_id=convention_pk, convention__is_published=True, signed_sha256__gt=""
        )
        .order_by("-number")
        .first()
    )
    if version is None:
        raise Http404("Aucune convention publiée à cette adresse.")
    return version


@login_not_required
def public_convention(request, convention_pk):
    version = _signed_version(convention_pk)
    text = version.snapshot
    period = text["period"]
    return render(
        request,
        "ctg/public_convention.html",
        {
            "convention_pk": convention_pk,
            "version": version,
            "text": text,
            "start": date.fromisoformat(period["start"]),
            "end": date.fromisoformat(period["end"]),
            "territory_label": text["meta"]["territory_label"],
            "parties": [party["organisation"]["name"] for party in text["parties"]],
        },
    )


@login_not_required
def public_convention_pdf(request, convention_pk):
    """The public copy only: the parties' original carries the signatories' addresses."""
    version = _signed_version(convention_pk)
    if not version.public_pdf:
        raise Http404("La copie publique de cette convention n'est pas disponible.")
    return file_response(
        version.public_pdf, f"convention-territoriale-globale-{convention_pk}-signee.pdf", "application/pdf"
    )
