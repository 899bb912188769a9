"""The public page of a signed convention (optional, per convention): no login."""

from django.contrib.auth.decorators import login_not_required
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import render

from actions.models import ActionSheet, Objective
from ctg.lib.files import file_response
from ctg.models import Convention


def _published(convention_pk):
    convention = (
        Convention.objects.with_territory()
        .filter(pk=convention_pk, is_published=True, versions__signed_sha256__gt="")
        .distinct()
        .first()
    )
    if convention is None:
        raise Http404("Aucune convention publiée à cette adresse.")
    return convention


@login_not_required
def public_convention(request, convention_pk):
    convention = _published(convention_pk)
    version = convention.versions.defer("snapshot").exclude(signed_sha256="").order_by("-number").first()
    # The plan's titles only: the sheets' long texts are not on this page.
    axes = convention.axes.only("convention_id", "position", "title").prefetch_related(
        Prefetch("objectives", Objective.objects.only("axis_id", "position", "title")),
        Prefetch("objectives__sheets", ActionSheet.objects.only("objective_id", "position", "title")),
    )
    parties = convention.parties.order_by("signing_group", "organisation__name").values_list(
        "organisation__name", flat=True
    )
    return render(
        request,
        "ctg/public_convention.html",
        {"convention": convention, "version": version, "axes": axes, "parties": parties},
    )


@login_not_required
def public_convention_pdf(request, convention_pk):
    convention = _published(convention_pk)
    version = convention.versions.defer("snapshot").exclude(signed_sha256="").order_by("-number").first()
    return file_response(
        version.signed_pdf, f"convention-territoriale-globale-{convention.pk}-signee.pdf", "application/pdf"
    )
