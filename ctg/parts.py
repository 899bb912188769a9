"""Generic views for the parts of a convention (diagnostic items, axes, objectives…):
add, edit and delete, each behind the convention's "edit" right."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.views import View

from ctg.models import Convention
from ctg.permissions import get_convention_for


class ConventionPartView(View):
    """Subclasses set `model`, `form_class`, `label` (with `feminine` when the noun is) and
    `success_url_name`; messages and headings agree with the noun."""

    model = None
    form_class = None
    label = ""
    feminine = False
    success_url_name = ""
    pk_kwarg = ""
    template_name = "ctg/part_form.html"

    def dispatch(self, request, *args, **kwargs):
        self.convention = get_convention_for(
            request.user, Convention.objects.with_territory(), kwargs["convention_pk"], "edit"
        )
        return super().dispatch(request, *args, **kwargs)

    def get_object(self):
        return get_object_or_404(self.model.objects.filter(convention=self.convention), pk=self.kwargs[self.pk_kwarg])

    def success_url(self, obj):
        return redirect(self.success_url_name, convention_pk=self.convention.pk)

    def form_kwargs(self):
        return {}

    def render_form(self, form, obj=None, status=200):
        return render(
            self.request,
            self.template_name,
            {
                "convention": self.convention,
                "form": form,
                "object": obj,
                "label": self.label,
                "heading": f"Modifier {self.the()}"
                if obj
                else f"Ajouter {'une' if self.feminine else 'un'} {self.label}",
                "cancel_url_name": self.success_url_name,
            },
            status=status,
        )

    def the(self) -> str:
        """ "l'axe", "le constat", "la fiche action"."""
        if self.label[:1].lower() in "aeéèêiîoôuh":
            return f"l'{self.label}"
        return f"{'la' if self.feminine else 'le'} {self.label}"

    def done(self, verb: str) -> str:
        """ "Constat ajouté.", "Fiche action supprimée." """
        return f"{self.label.capitalize()} {verb}{'e' if self.feminine else ''}."


class PartCreateView(ConventionPartView):
    def get(self, request, **kwargs):
        return self.render_form(self.form_class(**self.form_kwargs()))

    def post(self, request, **kwargs):
        form = self.form_class(request.POST, **self.form_kwargs())
        if not form.is_valid():
            return self.render_form(form, status=400)
        obj = form.save(commit=False)
        obj.convention = self.convention
        self.before_create(obj)
        obj.save()
        form.save_m2m()
        messages.success(request, self.done("ajouté"))
        return self.success_url(obj)

    def before_create(self, obj):
        """Complete the new object (position, parent) before it is saved."""


class PartUpdateView(ConventionPartView):
    def get(self, request, **kwargs):
        obj = self.get_object()
        return self.render_form(self.form_class(instance=obj, **self.form_kwargs()), obj)

    def post(self, request, **kwargs):
        obj = self.get_object()
        form = self.form_class(request.POST, instance=obj, **self.form_kwargs())
        if not form.is_valid():
            return self.render_form(form, obj, status=400)
        form.save()
        messages.success(request, self.done("enregistré"))
        return self.success_url(obj)


class PartDeleteView(ConventionPartView):
    template_name = "ctg/part_confirm_delete.html"

    def get(self, request, **kwargs):
        obj = self.get_object()
        return render(
            request,
            self.template_name,
            {
                "convention": self.convention,
                "object": obj,
                "label": self.label,
                "heading": f"Supprimer {self.the()}",
                "cancel_url_name": self.success_url_name,
            },
        )

    def post(self, request, **kwargs):
        obj = self.get_object()
        self.delete(obj)
        messages.success(request, self.done("supprimé"))
        return self.success_url(obj)

    def delete(self, obj):
        obj.delete()
