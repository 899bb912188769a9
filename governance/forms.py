from django import forms

from governance.models import Party
from territories.models import Organisation


class PartyForm(forms.ModelForm):
    class Meta:
        model = Party
        fields = ["representative_name", "representative_title", "needs_deliberation", "signing_group"]


class KeepPartiesForm(forms.Form):
    """The proposed parties the adviser keeps (the others are removed)."""

    keep = forms.ModelMultipleChoiceField(
        label="Parties signataires", queryset=Party.objects.none(), widget=forms.CheckboxSelectMultiple, required=False
    )

    def __init__(self, *args, convention, **kwargs):
        super().__init__(*args, **kwargs)
        self.convention = convention
        self.fields["keep"].queryset = convention.parties.select_related("organisation").order_by(
            "signing_group", "organisation__name"
        )
        self.fields["keep"].label_from_instance = lambda party: party.organisation.name

    def clean_keep(self):
        keep = self.cleaned_data["keep"]
        if not keep.filter(organisation_id=self.convention.caf_id).exists():
            raise forms.ValidationError("La Caf qui porte la convention en reste signataire : gardez-la cochée.")
        return keep


class AddPartnerForm(forms.Form):
    """A partner party: an organisation already on the platform, or a new one by name."""

    organisation = forms.ModelChoiceField(
        label="Organisation existante", queryset=Organisation.objects.none(), required=False, empty_label="—"
    )
    kind = forms.ChoiceField(
        label="ou nouvelle organisation : type",
        required=False,
        choices=[
            (Organisation.Kind.DEPARTEMENT, "Conseil départemental"),
            (Organisation.Kind.MSA, "MSA"),
            (Organisation.Kind.PARTNER, "Autre partenaire (association, Éducation nationale…)"),
        ],
    )
    name = forms.CharField(label="nom", max_length=200, required=False)
    siren = forms.RegexField(
        label="SIREN", regex=r"^\d{9}$", required=False, error_messages={"invalid": "Un SIREN compte 9 chiffres."}
    )

    def __init__(self, *args, convention, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = (
            Organisation.objects.exclude(kind__in=[Organisation.Kind.COMMUNE, Organisation.Kind.EPCI])
            .exclude(parties__convention=convention)
            .filter(departements__in=convention.departements.all())
            .distinct()
            .order_by("kind", "name")
        )

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("organisation") and not cleaned.get("name"):
            raise forms.ValidationError("Choisissez une organisation existante ou donnez le nom d'une nouvelle.")
        return cleaned

    def organisation_to_add(self, convention) -> Organisation:
        if self.cleaned_data.get("organisation"):
            return self.cleaned_data["organisation"]
        organisation, created = Organisation.objects.get_or_create(
            kind=self.cleaned_data["kind"] or Organisation.Kind.PARTNER,
            name=self.cleaned_data["name"].strip(),
            defaults={"siren": self.cleaned_data.get("siren") or ""},
        )
        if created:
            organisation.departements.set(convention.departements.all())
        return organisation
