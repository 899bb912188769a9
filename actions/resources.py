"""Action sheets to and from XLSX/CSV with django-import-export, scoped to one convention.

Columns carry what people read (status labels, organisation names, objective numbers,
dates as 31/12/2026), not database ids; the "identifiant" column ties a row to an
existing sheet and is left empty for a new one."""

from datetime import date, datetime

from django.core.exceptions import ValidationError
from import_export import fields, resources, widgets

from actions.models import SHEET_HISTORY, ActionSheet, Objective, SheetStatus, TargetPublic
from actions.services import place_new_sheet, renumber
from ctg.lib.spreadsheets import restore
from diagnostics.models import InterventionField
from territories.models import Commune, Organisation
from territories.text import search_key

LIST_SEPARATORS = (";", ",", "\n")


def _split(value) -> list[str]:
    text = str(value or "")
    for separator in LIST_SEPARATORS[1:]:
        text = text.replace(separator, LIST_SEPARATORS[0])
    return [part.strip() for part in text.split(LIST_SEPARATORS[0]) if part.strip()]


class TextWidget(widgets.CharWidget):
    def clean(self, value, row=None, **kwargs):
        return "" if value is None else str(restore(value)).strip()


class FrenchDateWidget(widgets.Widget):
    FORMATS = ("%d/%m/%Y", "%Y-%m-%d", "%d/%m/%y", "%d-%m-%Y")

    def clean(self, value, row=None, **kwargs):
        if value in (None, ""):
            return None
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, date):
            return value
        for date_format in self.FORMATS:
            try:
                return datetime.strptime(str(value).strip(), date_format).date()
            except ValueError:
                continue
        raise ValueError(f"date illisible : « {value} » (attendu : JJ/MM/AAAA)")

    def render(self, value, obj=None, **kwargs):
        return value.strftime("%d/%m/%Y") if value else ""


class LabelChoiceWidget(widgets.Widget):
    """A choice written as its label ("En cours") or its code ("en_cours")."""

    def __init__(self, choices, default=None, what="valeur"):
        self.by_key = {}
        for code, label in choices:
            self.by_key[search_key(label)] = code
            self.by_key[search_key(code)] = code
        self.labels = dict(choices)
        self.default, self.what = default, what

    def clean(self, value, row=None, **kwargs):
        if value in (None, ""):
            if self.default is not None:
                return self.default
            raise ValueError(f"{self.what} obligatoire")
        code = self.by_key.get(search_key(str(value)))
        if code is None:
            raise ValueError(f"{self.what} inconnu·e : « {value} » (possibles : {', '.join(self.labels.values())})")
        return code

    def render(self, value, obj=None, **kwargs):
        return self.labels.get(value, value or "")


class ProgressWidget(widgets.IntegerWidget):
    def clean(self, value, row=None, **kwargs):
        if value in (None, ""):
            return 0
        try:
            progress = int(float(str(value).replace("%", "").replace(",", ".").strip()))
        except ValueError:
            raise ValueError(f"avancement illisible : « {value} » (un nombre de 0 à 100)") from None
        if not 0 <= progress <= 100:
            raise ValueError(f"avancement hors limites : {progress} (de 0 à 100)")
        return progress


class ObjectiveWidget(widgets.Widget):
    def __init__(self, convention):
        self.objectives = {
            objective.number: objective
            for objective in Objective.objects.filter(convention=convention).select_related("axis")
        }

    def clean(self, value, row=None, **kwargs):
        key = str(value or "").strip()
        if key not in self.objectives:
            known = ", ".join(sorted(self.objectives)) or "aucun"
            raise ValueError(f"objectif « {key} » inconnu (numéros possibles : {known})")
        return self.objectives[key]

    def render(self, value, obj=None, **kwargs):
        return value.number if value else ""


class OrganisationWidget(widgets.Widget):
    """An organisation among the convention's parties, by name."""

    def __init__(self, convention):
        self.by_name = {
            search_key(organisation.name): organisation
            for organisation in Organisation.objects.filter(parties__convention=convention)
        }

    def clean(self, value, row=None, **kwargs):
        if value in (None, ""):
            return None
        organisation = self.by_name.get(search_key(str(value)))
        if organisation is None:
            raise ValueError(f"pilote « {value} » : ce n'est pas une partie de la convention")
        return organisation

    def render(self, value, obj=None, **kwargs):
        return value.name if value else ""


class PublicsWidget(widgets.Widget):
    def __init__(self):
        self.choice = LabelChoiceWidget(TargetPublic.choices, what="public")

    def clean(self, value, row=None, **kwargs):
        return [self.choice.clean(part) for part in _split(value)]

    def render(self, value, obj=None, **kwargs):
        return " ; ".join(self.choice.render(code) for code in value or [])


class NamedManyWidget(widgets.ManyToManyWidget):
    """Many related objects by name (or code), separated by ";" (saved after the sheet)."""

    def __init__(self, objects, what, key=lambda obj: obj.name, codes=lambda obj: ()):
        super().__init__(model=objects.model)
        self.key = key
        self.what = what
        self.lookup = {}
        for obj in objects:
            self.lookup[search_key(key(obj))] = obj
            for code in codes(obj):
                self.lookup[search_key(code)] = obj

    def clean(self, value, row=None, **kwargs):
        # Names may hold a comma ("Culture, sport et loisirs"): ";" and new lines separate;
        # inside a part, commas separate unless the words around them make a known name.
        found = []
        for part in _split(str(value or "").replace(",", "\u0000")):
            pieces = part.split("\u0000")
            start = 0
            while start < len(pieces):
                for end in range(len(pieces), start, -1):
                    obj = self.lookup.get(search_key(",".join(pieces[start:end])))
                    if obj is not None:
                        found.append(obj)
                        start = end
                        break
                else:
                    if pieces[start].strip():
                        raise ValueError(f"{self.what} inconnu·e : « {pieces[start].strip()} »")
                    start += 1
        return found

    def render(self, value, obj=None, **kwargs):
        return " ; ".join(sorted(self.key(item) for item in value.all())) if value is not None else ""


TRUSTED_RELATIONS = ("convention", "objective", "pilot")


class _NoDiff:
    """The preview lists rows, not field-by-field differences: computing them would read
    each sheet's lists once more."""

    def __init__(self, resource, instance, new):
        pass

    def compare_with(self, resource, instance):
        pass

    def as_html(self):
        return []


class ActionSheetResource(resources.ModelResource):
    def __init__(self, convention):
        self.convention = convention
        super().__init__()
        if convention.epci_id:
            communes = Commune.objects.filter(epci_id=convention.epci_id)
        else:
            communes = Commune.objects.filter(pk=convention.commune_id)
        declared = {
            "id": fields.Field("id", "identifiant", widget=widgets.IntegerWidget()),
            "number": fields.Field(column_name="numéro", readonly=True, dehydrate_method="dehydrate_number"),
            "objective": fields.Field("objective", "objectif", widget=ObjectiveWidget(convention)),
            "title": fields.Field("title", "intitulé", widget=TextWidget()),
            "status": fields.Field(
                "status", "statut", widget=LabelChoiceWidget(SheetStatus.choices, SheetStatus.TO_START, "statut")
            ),
            "progress": fields.Field("progress", "avancement (%)", widget=ProgressWidget()),
            "start_date": fields.Field("start_date", "début", widget=FrenchDateWidget()),
            "end_date": fields.Field("end_date", "fin", widget=FrenchDateWidget()),
            "pilot": fields.Field("pilot", "pilote", widget=OrganisationWidget(convention)),
            "pilot_contact": fields.Field("pilot_contact", "contact du pilote", widget=TextWidget()),
            "elected_referent": fields.Field("elected_referent", "élu·e référent·e", widget=TextWidget()),
            "target_publics": fields.Field("target_publics", "publics visés", widget=PublicsWidget()),
            "fields": fields.Field(
                "fields",
                "champs d'intervention",
                widget=NamedManyWidget(InterventionField.objects.all(), "champ d'intervention"),
            ),
            "communes": fields.Field(
                "communes",
                "communes concernées",
                widget=NamedManyWidget(communes, "commune", codes=lambda commune: (commune.code,)),
            ),
            "context": fields.Field("context", "contexte", widget=TextWidget()),
            "aims": fields.Field("aims", "objectifs opérationnels", widget=TextWidget()),
            "description": fields.Field("description", "description", widget=TextWidget()),
            "other_partners": fields.Field("other_partners", "autres partenaires", widget=TextWidget()),
            "links": fields.Field("links", "documents et liens", widget=TextWidget()),
        }
        for name, field in declared.items():
            self.fields[name] = field

    class Meta:
        model = ActionSheet
        fields = ()
        import_id_fields = ("id",)
        skip_unchanged = True
        report_skipped = True
        use_transactions = True
        clean_model_instances = True

    def before_import(self, dataset, **kwargs):
        self.saved_sheets = []

    def get_diff_class(self):
        return _NoDiff

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        # The convention, objective and pilot are this convention's own rows, found by the
        # widgets: checking again that they exist would cost three queries per row.
        errors = dict(import_validation_errors or {})
        try:
            instance.full_clean(exclude=[*errors, *TRUSTED_RELATIONS], validate_unique=validate_unique)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)

    def get_export_order(self):
        return tuple(self.fields)

    def get_queryset(self):
        return (
            ActionSheet.objects.filter(convention=self.convention)
            .select_related("objective__axis", "pilot")
            .prefetch_related("fields", "communes")
            .order_by("objective__axis__position", "objective__position", "position")
        )

    def dehydrate_number(self, sheet):
        return sheet.number

    def get_instance(self, instance_loader, row):
        identifier = row.get("identifiant")
        if identifier in (None, ""):
            return None
        try:
            return self.get_queryset().get(pk=int(float(str(identifier))))
        except (ValueError, ActionSheet.DoesNotExist):
            raise ValueError(
                f"identifiant « {identifier} » inconnu dans cette convention : "
                "laissez la colonne vide pour une nouvelle fiche"
            ) from None

    def init_instance(self, row=None):
        return ActionSheet(convention=self.convention)

    def before_save_instance(self, instance, row, **kwargs):

        instance.skip_history_when_saving = True  # one record, written in save_m2m
        instance.import_history_type = "+" if instance.pk is None else "~"
        instance.whole_territory = not row.get("communes concernées")
        if instance.pk is None:
            place_new_sheet(instance)
        elif instance.objective_id != ActionSheet.objects.values_list("objective_id", flat=True).get(pk=instance.pk):
            instance.position = 10_000  # renumbered after the import

    def save_m2m(self, instance, row, **kwargs):
        if instance.import_history_type == "+":
            self._link_new_sheet(instance, row)
        else:
            super().save_m2m(instance, row, **kwargs)
        del instance.skip_history_when_saving
        if not self._is_dry_run(kwargs):  # a preview is rolled back: no history to write
            self.saved_sheets.append(instance)

    def _link_new_sheet(self, instance, row):
        """A new sheet has no links yet: insert them at once (`set()` would read them first)."""
        for field in self.get_import_fields():
            if not isinstance(field.widget, widgets.ManyToManyWidget) or field.column_name not in row:
                continue
            relation = ActionSheet._meta.get_field(field.attribute)
            through = relation.remote_field.through
            source, target = relation.m2m_field_name(), relation.m2m_reverse_field_name()
            through.objects.bulk_create(
                [through(**{f"{source}_id": instance.pk, f"{target}_id": obj.pk}) for obj in field.clean(row)],
                ignore_conflicts=True,
            )

    def after_import(self, dataset, result, **kwargs):

        if kwargs.get("dry_run"):
            return
        for objective in Objective.objects.filter(convention=self.convention):
            renumber(objective.sheets.all())
        self._record_history()

    def _record_history(self):
        """One history record per imported sheet with its lists, as a save would write it,
        in a few queries for the whole file instead of eight per sheet."""
        if not self.saved_sheets:
            return
        user = SHEET_HISTORY.get_history_user(self.saved_sheets[0])
        records = {}
        for update in (False, True):
            sheets = [s for s in self.saved_sheets if (s.import_history_type == "~") == update]
            created = ActionSheet.history.bulk_history_create(sheets, update=update, default_user=user)
            records.update({record.id: record for record in created or []})
        for field, history_model in SHEET_HISTORY.m2m_models.items():
            through = getattr(ActionSheet, field.name).through
            columns = [f.attname for f in through._meta.fields]
            source = f"{field.m2m_field_name()}_id"
            history_model.objects.bulk_create(
                [
                    history_model(history=records[link[source]], **link)
                    for link in through.objects.filter(**{f"{source}__in": list(records)}).values(*columns)
                ]
            )
