import re
from functools import partial

from django import forms
from django.forms.renderers import TemplatesSetting
from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import mark_safe

from ctg.lib.typography import fr_number
from ctg.models import Convention, validate_period
from territories.models import EPCI, Commune
from territories.text import search_key

_CHECK_WIDGETS = (forms.CheckboxInput, forms.RadioSelect, forms.CheckboxSelectMultiple)


MULTIPLE_HINT = "Ctrl + clic (Cmd + clic sur Mac) pour en choisir plusieurs."
BLANK_LABEL = "— choisir —"


class ThemedBoundField(forms.BoundField):
    """Gives every widget the Bootstrap class it needs, so forms declare none; a list where
    several can be chosen says how."""

    def __init__(self, form, field, name):
        super().__init__(form, field, name)
        widget = field.widget
        if isinstance(widget, forms.SelectMultiple) and not isinstance(widget, forms.CheckboxSelectMultiple):
            self.help_text = f"{self.help_text} {MULTIPLE_HINT}".strip()

    def build_widget_attrs(self, attrs, widget=None):
        attrs = super().build_widget_attrs(attrs, widget)
        widget = widget or self.field.widget
        if isinstance(widget, _CHECK_WIDGETS):
            css = "form-check-input"
        elif isinstance(widget, forms.Select | forms.SelectMultiple):
            css = "form-select"
        else:
            css = "form-control"
        if self.errors:
            css += " is-invalid"
        attrs["class"] = f"{attrs.get('class', '')} {css}".strip()
        return attrs


SELECT_TEMPLATE = "django/forms/widgets/select.html"
OPTION_TEMPLATE = "django/forms/widgets/select_option.html"


def _html_attrs(attrs: dict) -> str:
    """As django/forms/widgets/attrs.html writes them."""
    return format_html_join(
        "",
        " {}{}",
        (
            (name, "" if value is True else format_html('="{}"', value))
            for name, value in attrs.items()
            if value is not False
        ),
    )


def render_select(widget: dict) -> str:
    """The HTML of django/forms/widgets/select.html, written in Python: the template includes
    one template per option, which made the 101 départements of a filter cost 5 ms a page."""
    parts = [format_html('<select name="{}"{}>', widget["name"], _html_attrs(widget["attrs"]))]
    for group_name, options, _index in widget["optgroups"]:
        if group_name:
            parts.append(format_html('\n  <optgroup label="{}">', group_name))
        parts += [
            format_html(
                '\n  <option value="{}"{}>{}</option>',
                option["value"],
                _html_attrs(option["attrs"]),
                BLANK_LABEL if option["label"] == "---------" else option["label"],
            )
            for option in options
        ]
        if group_name:
            parts.append(mark_safe("\n  </optgroup>"))
    parts.append(mark_safe("\n</select>"))
    return format_html_join("", "{}", ((part,) for part in parts))


class FastSelect(forms.Select):
    """A select written straight from its choices: the filters of the lists offer hundreds of
    pilots or départements, and Django's option dictionaries cost more than the page's table."""

    def render(self, name, value, attrs=None, renderer=None):
        selected = set(self.format_value(value))
        final_attrs = self.build_attrs(self.attrs, {**(attrs or {}), "name": name})
        parts = [f"<select{_html_attrs(final_attrs)}>"]
        for option_value, label in self.choices:
            option_value = "" if option_value is None else str(option_value)
            mark = " selected" if option_value in selected else ""
            parts.append(f'\n  <option value="{escape(option_value)}"{mark}>{escape(label)}</option>')
        parts.append("\n</select>")
        return mark_safe("".join(parts))  # noqa: S308 - every value and label escaped above


class ThemedFormRenderer(TemplatesSetting):
    field_template_name = "includes/_field.html"
    bound_field_class = ThemedBoundField

    def render(self, template_name, context, request=None):
        widget = context.get("widget", {})
        if template_name == SELECT_TEMPLATE and all(
            option["template_name"] == OPTION_TEMPLATE for _, options, _ in widget["optgroups"] for option in options
        ):
            return render_select(widget)
        return super().render(template_name, context, request)


class FrenchNumberInput(forms.TextInput):
    """A number as the French write it: shown « 18 000 » or « 12,5 », typed with spaces as
    thousands separators, a comma or a point for the decimals, even « 15 000 € » or « 40 % »;
    the field then reads a plain number."""

    def __init__(self, attrs=None):
        super().__init__({"inputmode": "decimal", **(attrs or {})})

    def format_value(self, value):
        if value in (None, ""):
            return None
        if isinstance(value, str):
            return value  # what the user typed, shown back as typed
        return fr_number(value)

    def value_from_datadict(self, data, files, name):
        value = super().value_from_datadict(data, files, name)
        return french_number(value) if isinstance(value, str) else value


def french_number(text: str) -> str:
    """ "15 000,50 €" → "15000.50"; "12,5" → "12.5"; anything else is left for the field to refuse."""
    cleaned = re.sub(r"[\s\u00a0\u202f€%]", "", text)
    if re.fullmatch(r"[+-]?\d+(?:[.,]\d+)?", cleaned):
        return cleaned.replace(",", ".")
    return text.strip()


NUMBER_MESSAGE = "Saisissez un nombre, par exemple 15 000 ou 12,5."


class LocalizedModelForm(forms.ModelForm):
    """Numbers typed and shown the French way (« 15 000 », « 12,5 »), every decimal field and
    the integer fields that count things (not years or positions)."""

    counted_fields: tuple[str, ...] = ()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            if isinstance(field, forms.DecimalField) or name in self.counted_fields:
                french_number_field(field)


def french_number_field(field: forms.Field) -> forms.Field:
    # A text input: the number input's step, min and max do not apply (the field checks them).
    attrs = {key: value for key, value in field.widget.attrs.items() if key not in ("step", "min", "max")}
    field.widget = FrenchNumberInput(attrs)
    field.error_messages["invalid"] = NUMBER_MESSAGE
    return field


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class ConventionCreateForm(forms.Form):
    """A new convention: one territory field (a name chosen among the suggestions, or typed; a
    SIREN or an INSEE code works too), the CAF, the period."""

    territory = forms.CharField(
        label="Territoire couvert",
        max_length=200,
        help_text="Tapez le nom d'une intercommunalité ou d'une commune et choisissez-la dans la liste "
        "(les territoires de votre Caf d'abord) ; un SIREN ou un code INSEE convient aussi.",
    )
    territory_code = forms.CharField(required=False, max_length=9, widget=forms.HiddenInput)
    caf = forms.ModelChoiceField(label="Caf", queryset=None, empty_label=None)
    start_date = forms.DateField(label="Début", widget=DateInput)
    end_date = forms.DateField(label="Fin", widget=DateInput)
    title = forms.CharField(
        label="Intitulé", required=False, max_length=255, help_text="Laissez vide pour l'intitulé habituel."
    )

    def __init__(self, *args, cafs, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["caf"].queryset = cafs
        self.fields["territory"].widget.attrs.update(
            {"autocomplete": "off", "data-territory-search": "", "aria-controls": "territory-suggestions"}
        )

    def clean_territory(self):
        text = self.cleaned_data["territory"].strip()
        code = (self.data.get(self.add_prefix("territory_code")) or "").strip().upper() or text.replace(" ", "").upper()
        epci = EPCI.objects.filter(siren=code).first()
        commune = None if epci else Commune.objects.filter(code=code).first()
        if not epci and not commune:
            epci, commune = self._by_name(text)
        self.cleaned_data["epci"], self.cleaned_data["commune"] = epci, commune
        return epci.name if epci else commune.name

    @staticmethod
    def _by_name(text):
        """The one EPCI or commune of that name (accents and case ignored), else say which."""
        epcis = list(EPCI.objects.search(text).order_by("-population")[:6])
        communes = list(Commune.objects.search(text).select_related("departement").order_by("-population")[:6])
        key = search_key(text)
        exact = [e for e in epcis if e.search_name == key] + [c for c in communes if c.search_name == key]
        found = exact if exact else epcis + communes
        if len(found) == 1:
            return (found[0], None) if isinstance(found[0], EPCI) else (None, found[0])
        if not found and any(character.isdigit() for character in text):
            raise forms.ValidationError(
                "Aucune intercommunalité (SIREN) ni commune (code INSEE) ne porte ce code : "
                "tapez le nom du territoire et choisissez-le dans la liste proposée."
            )
        if not found:
            raise forms.ValidationError(
                f"Aucune intercommunalité ni commune ne s'appelle « {text} » : vérifiez l'orthographe, "
                "ou saisissez son SIREN ou son code INSEE."
            )
        names = [
            f"{t.name} ({t.departement.code})" if isinstance(t, Commune) and t.departement_id else t.name
            for t in found[:5]
        ]
        raise forms.ValidationError(
            f"Plusieurs territoires correspondent à « {text} » : choisissez-le dans la liste ({', '.join(names)}…)."
        )

    def clean(self):

        cleaned = super().clean()
        try:
            validate_period(cleaned.get("start_date"), cleaned.get("end_date"))
        except forms.ValidationError as error:
            self.add_error(None, error)
        caf, epci, commune = cleaned.get("caf"), cleaned.get("epci"), cleaned.get("commune")
        if caf and (epci or commune):
            try:
                Convention(caf=caf, epci=epci, commune=commune).check_caf_covers_territory()
            except forms.ValidationError as error:
                self.add_error(None, error)
        return cleaned


class ConventionForm(forms.ModelForm):
    class Meta:
        model = Convention
        fields = [
            "title",
            "subtitle",
            "start_date",
            "end_date",
            "previous",
            "summary",
            "website",
            "axis_label",
            "objective_label",
            "sheet_label",
            "is_published",
        ]
        help_texts = {
            "axis_label": "« Axe », « Enjeu », « Orientation »… : le nom que la convention donne à ce niveau.",
            "objective_label": "« Objectif », « Priorité », « Orientation »…",
            "sheet_label": "« Fiche action », « Action », « Fiche »…",
        }
        widgets = {
            "start_date": DateInput,
            "end_date": DateInput,
            "summary": forms.Textarea(attrs={"rows": 5}),
        }
        field_classes = {"website": partial(forms.URLField, assume_scheme="https")}

    def __init__(self, *args, previous_choices=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["previous"].queryset = (
            previous_choices if previous_choices is not None else self.fields["previous"].queryset.none()
        )


class CommentForm(forms.Form):
    text = forms.CharField(label="Votre commentaire", max_length=5000, widget=forms.Textarea(attrs={"rows": 3}))
