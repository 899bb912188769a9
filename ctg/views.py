from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from ctg.comments import comment_target
from ctg.dashboards import caf_dashboard, convention_dashboard
from ctg.filters import ConventionFilterForm
from ctg.forms import CommentForm, ConventionCreateForm, ConventionForm
from ctg.history import LABELS as HISTORY_LABELS
from ctg.history import convention_changes
from ctg.lib.health import report
from ctg.lib.history import saves_of
from ctg.lifecycle import Status, TransitionError
from ctg.models import Comment, Convention, OutboundEmail
from ctg.notifications import notifications_for
from ctg.permissions import get_convention_for
from ctg.readiness import review_checklist, submit_for_review
from governance import exchange, people, services
from governance.models import Party
from governance.renewal import RenewalError, prepare_next
from territories.models import Membership, Organisation, Role

PAGE_SIZE = 25


def conventions_for(user):
    return Convention.objects.for_user(user).with_territory()


def home(request):
    memberships = (
        Membership.objects.effective()
        .filter(user=request.user)
        .select_related("organisation")
        .order_by("organisation__name")
    )
    conventions = conventions_for(request.user).order_by("-start_date", "title")
    memberships = list(memberships)
    return render(
        request,
        "ctg/home.html",
        {
            "deliberations": Party.objects.awaiting_deliberation([m.organisation_id for m in memberships]),
            "memberships": memberships,
            "conventions": conventions[:10],
            "conventions_count": conventions.count(),
            "can_create": creatable_cafs(request.user).exists(),
            "join_requests": people.decidable_by(request.user)[:20],
        },
    )


def caf_dashboard_view(request):
    """All the conventions of the user's CAF, at a glance."""
    cafs = list(
        Organisation.objects.cafs().filter(memberships__user=request.user, is_active=True).values_list("pk", flat=True)
    )
    if not cafs:
        raise PermissionDenied("Ce tableau de bord est celui des Caf.")
    return render(request, "ctg/caf_dashboard.html", caf_dashboard(request.user, cafs))


def creatable_cafs(user):
    """The CAFs in which the user is an adviser or an admin: those they may open a CTG for."""
    return Organisation.objects.cafs().filter(
        memberships__user=user, memberships__role__in=[Role.ADMIN, Role.CAF_ADVISER], is_active=True
    )


def convention_list(request):
    form = ConventionFilterForm(request.GET or None)
    conventions = form.filter(conventions_for(request.user)).order_by("-start_date", "title")
    page = Paginator(conventions, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"form": form, "page": page, "can_create": creatable_cafs(request.user).exists()}
    template = "ctg/includes/_convention_table.html" if request.htmx else "ctg/convention_list.html"
    return render(request, template, context)


def convention_create(request):
    cafs = creatable_cafs(request.user)
    if not cafs.exists():
        raise PermissionDenied("Seuls les conseillers et conseillères d'une Caf ouvrent une convention.")
    form = ConventionCreateForm(request.POST or None, cafs=cafs)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        convention = services.create_convention(
            caf=data["caf"],
            epci=data["epci"],
            commune=data["commune"],
            start_date=data["start_date"],
            end_date=data["end_date"],
            title=data["title"],
            created_by=request.user,
        )
        messages.success(
            request,
            f"Convention créée avec {convention.parties.count()} parties proposées : gardez celles qui signent.",
        )
        return redirect("party_list", convention_pk=convention.pk)
    return render(request, "ctg/convention_create.html", {"form": form})


def convention_detail(request, convention_pk):
    convention = get_convention_for(
        request.user, Convention.objects.with_territory().select_related("previous"), convention_pk
    )
    parties = convention.parties.order_by("signing_group", "organisation__name")
    axes = convention.axes.annotate(objective_count=Count("objectives")).only(
        "convention_id", "position", "code", "title"
    )
    counts = Convention.objects.part_counts(convention, "parties", "sheets", "indicators", "findings", "needs")
    renewals = list(convention.renewals.all())
    checklist = (
        review_checklist(convention) if convention.status == Status.DRAFT and convention.access.can_manage else []
    )
    return render(
        request,
        "ctg/convention_detail.html",
        {
            "checklist": checklist,
            "ready_for_review": all(check.done for check in checklist if check.required),
            "convention": convention,
            # A convention may have hundreds of parties: the page names the first ones.
            "first_parties": parties.values_list("organisation__name", flat=True)[:8],
            "axes": axes,
            "counts": counts,
            "transitions": available_transitions(convention),
            "dashboard": convention_dashboard(convention),
            "may_renew": convention.access.can_renew and not renewals,
            "renewals": renewals,
        },
    )


def available_transitions(convention):
    """The moves this page offers; the later ones start from the workflow pages."""
    if not convention.access.can_manage:
        return []
    if convention.status == Status.DRAFT:
        return [(Status.REVIEW, "Passer en relecture")]
    if convention.status == Status.REVIEW:
        return [(Status.DRAFT, "Revenir au brouillon")]
    return []


@require_POST
def convention_transition(request, convention_pk):
    convention = get_convention_for(request.user, Convention.objects.all(), convention_pk, "manage")
    target = request.POST.get("status", "")
    if target not in (Status.REVIEW, Status.DRAFT):
        messages.error(request, "Cette étape se lance depuis le circuit de délibération et de signature.")
        return redirect(convention)
    try:
        if target == Status.REVIEW:
            told = submit_for_review(convention, by=request.user)
        else:
            convention.transition(target, by=request.user)
    except TransitionError as error:
        messages.error(request, str(error))
    else:
        message = f"La convention est maintenant « {convention.get_status_display().lower()} »."
        if target == Status.REVIEW:
            message += (
                f" {told} personne{'s' if told > 1 else ''} des parties {'sont prévenues' if told > 1 else 'est prévenue'}"
                " par courriel."
                if told
                else " Aucune autre personne des parties n'est encore inscrite sur la plateforme."
            )
        messages.success(request, message)
    return redirect(convention)


def convention_edit(request, convention_pk):
    convention = get_convention_for(request.user, Convention.objects.with_territory(), convention_pk, "edit")
    previous_choices = (
        conventions_for(request.user)
        .filter(epci_id=convention.epci_id, commune_id=convention.commune_id)
        .exclude(pk=convention.pk)
    )
    form = ConventionForm(request.POST or None, instance=convention, previous_choices=previous_choices)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Convention enregistrée.")
        return redirect(convention)
    return render(request, "ctg/convention_form.html", {"convention": convention, "form": form})


def convention_history(request, convention_pk):
    convention = get_convention_for(request.user, Convention.objects.with_territory(), convention_pk)
    only = request.GET.get("element", "")
    saves = saves_of(convention_changes(convention, only if only in HISTORY_LABELS else ""))
    authors = sorted({save.user for save in saves if save.user}, key=str)
    author = request.GET.get("auteur", "")
    if author.isdigit():
        saves = [save for save in saves if save.user and save.user.pk == int(author)]
    page = Paginator(saves, 30).get_page(request.GET.get("page"))
    return render(
        request,
        "ctg/convention_history.html",
        {
            "convention": convention,
            "page": page,
            "labels": HISTORY_LABELS,
            "authors": authors,
            "only": only,
            "author": author,
        },
    )


@require_POST
def comment_create(request, convention_pk, target_type, target_pk):
    convention = get_convention_for(request.user, Convention.objects.all(), convention_pk, "comment")

    target = comment_target(convention, target_type, target_pk)
    form = CommentForm(request.POST)
    if form.is_valid():
        membership = (
            Membership.objects.effective()
            .filter(user=request.user, organisation__parties__convention=convention)
            .select_related("organisation")
            .first()
        )
        Comment.objects.create(
            convention=convention,
            target_type=target_type,
            target_id=target.pk,
            author=request.user,
            organisation=membership.organisation if membership else None,
            text=form.cleaned_data["text"],
        )
        messages.success(request, "Commentaire publié.")
    else:
        messages.error(request, "Le commentaire est vide ou trop long (5 000 caractères au plus).")
    return redirect(request.POST.get("next") if _is_local(request.POST.get("next")) else convention)


def _is_local(url):
    return bool(url) and url.startswith("/") and not url.startswith("//")


def convention_export_json(request, convention_pk):
    convention = get_convention_for(request.user, Convention.objects.all(), convention_pk)
    response = HttpResponse(
        exchange.dumps(exchange.export_convention(convention)), content_type="application/json; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="convention-{convention.pk}.json"'
    return response


def convention_import_json(request):
    cafs = creatable_cafs(request.user)
    if not cafs.exists():
        raise PermissionDenied("Seuls les conseillers et conseillères d'une Caf importent une convention.")
    errors = []
    if request.method == "POST":
        upload = request.FILES.get("document")
        if upload is None:
            errors = [("(document)", "Choisissez un fichier JSON.")]
        elif upload.size > exchange.MAX_DOCUMENT_BYTES:
            errors = [("(document)", "Le fichier dépasse 10 Mo.")]
        else:
            try:
                convention = exchange.import_convention(upload.read(), created_by=request.user, allowed_cafs=cafs)
            except exchange.ImportErrors as error:
                errors = error.errors
            else:
                messages.success(request, f"Convention « {convention.title} » importée en brouillon.")
                invited = list(convention.party_invitations.pending().values_list("organisation__name", flat=True))
                if invited:
                    messages.info(
                        request,
                        f"Invitée(s) à devenir partie, en attente de leur accord : {', '.join(invited)}.",
                    )
                return redirect(convention)
    return render(request, "ctg/convention_import.html", {"errors": errors}, status=400 if errors else 200)


@login_not_required
def accessibility(request):
    return render(request, "ctg/accessibility.html")


@login_not_required
@never_cache
def health(request):
    """The database, the broker, the cache and the worker (ctg.lib.health)."""
    checks, status = report()
    return JsonResponse(checks, status=status)


def demo_mailbox(request):
    """Demo only: the e-mails the platform sent, since the demo sends none for real. Each
    account reads its own (a signatory, the code it was sent); the platform's staff read all
    of them (invitations to addresses without an account). Never public: they hold reset
    links, invitations and signature codes."""
    if not settings.DEMO_MAILBOX:
        raise Http404
    emails = OutboundEmail.objects.all()
    if not request.user.is_staff:
        emails = emails.filter(to__iexact=request.user.email)
    emails = emails[:200]
    return render(request, "ctg/demo_mailbox.html", {"emails": emails})


def convention_renew(request, convention_pk):
    """ "Préparer la CTG suivante": choose the sheets that continue, write the evaluation."""

    convention = get_convention_for(request.user, Convention.objects.with_territory(), convention_pk, "manage")
    if not convention.is_renewable:
        raise PermissionDenied("La CTG suivante se prépare dans l'année qui précède la fin d'une convention signée.")
    sheets = convention.sheets.with_numbers()
    if request.method == "POST":
        ids = [int(value) for value in request.POST.getlist("sheets") if value.isdigit()]
        try:
            following = prepare_next(
                convention,
                by=request.user,
                continued_sheet_ids=ids,
                evaluation=request.POST.get("evaluation", "")[:20000],
            )
        except RenewalError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, f"CTG suivante préparée en brouillon : {following.title}.")
            return redirect(following)
    return render(request, "ctg/convention_renew.html", {"convention": convention, "sheets": sheets})


def notifications(request):

    if request.method == "POST":
        request.user.weekly_digest = request.POST.get("weekly_digest") == "on"
        request.user.save(update_fields=["weekly_digest"])
        messages.success(request, "Préférence enregistrée.")
        return redirect("notifications")
    return render(request, "ctg/notifications.html", {"items": notifications_for(request.user)})
