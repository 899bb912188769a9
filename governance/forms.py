from django import forms
from django.forms.models import model_to_dict
from django.utils import timezone
from pypdf import PdfReader
from pypdf.errors import PdfReadError

from actions.models import ActionSheet
from ctg.forms import DateInput
from governance import people, wording
from governance.deliberations import RECORD_FIELDS, TRANSMISSION_FIELDS, record_errors
from governance.models import SIGNATORY_FIELDS, Committee, Deliberation, Meeting, Party
from governance.services import territory_organisation_ids
from governance.signatories import Signatory, signatory_errors
from territories import services as territory_services
from territories.identifiers import siret_error
from territories.models import Membership, Organisation, Role, User


class PartyForm(forms.ModelForm):
    class Meta:
        model = Party
        fields = ["needs_deliberation", "signing_group", "position", "commitments"]
        widgets = {"commitments": forms.Textarea(attrs={"rows": 5})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        convention = self.instance.convention
        default = wording.default_commitments(
            self.instance.organisation.kind, "epci" if convention.epci_id else "commune"
        )
        self.fields["commitments"].widget.attrs["placeholder"] = "\n".join(default)


class PartySignatoryForm(forms.ModelForm):
    """Who signs for a party: its executive and, under an arrêté, a delegate, each with the
    account that signs on the platform (chosen among the organisation's members). Once the
    text is frozen, the executive's name and quality are those the text prints."""

    class Meta:
        model = Party
        fields = list(SIGNATORY_FIELDS)
        widgets = {"delegation_date": DateInput}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        party = self.instance
        members = User.objects.filter(
            pk__in=Membership.objects.effective().filter(organisation_id=party.organisation_id).values("user_id")
        ).order_by("last_name", "first_name", "email")
        for field in ("executive_account", "delegate_account"):
            self.fields[field].queryset = members
            self.fields[field].empty_label = "— aucun compte (signature sur papier) —"
            self.fields[field].label_from_instance = lambda user: (
                f"{user.get_full_name()} ({user.email})" if user.get_full_name() else user.email
            )
        if not party.convention.is_editable:
            for field in ("representative_name", "representative_title"):
                self.fields[field].disabled = True
                self.fields[field].help_text = "Tel qu'imprimé dans le texte figé de la convention."

    def clean(self):
        cleaned = super().clean()
        for field, messages in signatory_errors(cleaned, self.instance).items():
            for message in messages:
                self.add_error(field if field in self.fields else None, message)
        return cleaned


class KeepPartiesForm(forms.Form):
    """The parties the adviser keeps among the territory's councils (the EPCI, its communes)
    and the present parties: one unticked by mistake can be ticked again."""

    keep = forms.ModelMultipleChoiceField(
        label="Parties signataires",
        queryset=Organisation.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    def __init__(self, *args, convention, **kwargs):
        super().__init__(*args, **kwargs)
        self.convention = convention
        offered = territory_organisation_ids(convention) | set(
            convention.parties.values_list("organisation_id", flat=True)
        )
        self.fields["keep"].queryset = Organisation.objects.filter(pk__in=offered).order_by("kind", "name")
        self.fields["keep"].label_from_instance = lambda organisation: organisation.name

    def clean_keep(self):
        keep = self.cleaned_data["keep"]
        if not keep.filter(pk=self.convention.caf_id).exists():
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
            .filter(is_active=True)
            .exclude(parties__convention=convention)
            .filter(departements__in=convention.departements.all())
            .distinct()
            .order_by("kind", "name")
        )

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("organisation") and not cleaned.get("name"):
            raise forms.ValidationError("Choisissez une organisation existante ou donnez le nom d'une nouvelle.")
        if not cleaned.get("organisation") and cleaned.get("name"):
            namesake = self.fields["organisation"].queryset.filter(name__iexact=cleaned["name"].strip()).first()
            if namesake is not None:
                raise forms.ValidationError(
                    f"{namesake.name} existe déjà sur la plateforme : choisissez-la dans la liste des organisations existantes."
                )
        return cleaned

    def organisation_to_add(self, convention) -> Organisation:
        """The organisation chosen, or a new one: a name never reuses another organisation (that
        would attach, without its consent, an organisation of another territory that bears it)."""
        if self.cleaned_data.get("organisation"):
            return self.cleaned_data["organisation"]
        organisation = Organisation.objects.create(
            kind=self.cleaned_data["kind"] or Organisation.Kind.PARTNER,
            name=self.cleaned_data["name"].strip(),
            siren=self.cleaned_data.get("siren") or "",
        )
        organisation.departements.set(convention.departements.all())
        return organisation


PDF_MAX_BYTES = 10 * 1024 * 1024


def clean_pdf(upload, label="Le fichier", *, pages=False):
    """A PDF by its content (not its name), at most 10 MB; with `pages`, one whose pages can be
    read and joined to another PDF (not encrypted, not damaged)."""
    if upload is None:
        return upload
    if upload.size > PDF_MAX_BYTES:
        raise forms.ValidationError(f"{label} dépasse 10 Mo.")
    head = upload.read(1024)
    upload.seek(0)
    if not head.lstrip().startswith(b"%PDF-"):
        raise forms.ValidationError(f"{label} n'est pas un PDF.")
    if pages:
        try:
            reader = PdfReader(upload)
            if reader.is_encrypted:
                raise forms.ValidationError(f"{label} est protégé par un mot de passe : déposez-le sans protection.")
            if not reader.pages:
                raise forms.ValidationError(f"{label} ne contient aucune page.")
        except PdfReadError:
            raise forms.ValidationError(f"{label} est endommagé : il ne peut pas être lu.") from None
        finally:
            upload.seek(0)
    return upload


class ActSubjectMixin:
    """The act's matière (nomenclature @ctes): proposed as a CTG's (8.2 Aide sociale), kept
    as it is when the form does not send it."""

    def _optional_subject(self):
        self.fields["subject_code"].required = False

    def clean_subject_code(self):
        return self.cleaned_data.get("subject_code") or self.instance.subject_code


class DeliberationForm(ActSubjectMixin, forms.ModelForm):
    """A council's séance as its register records it; every rule of `record_errors` is checked."""

    outcome = forms.ChoiceField(
        label="Décision du conseil",
        choices=[("adopted", "Adoptée"), ("rejected", "Rejetée"), ("adjourned", "Ajournée (pas de vote)")],
        widget=forms.RadioSelect,
    )
    signed_act = forms.FileField(
        label="Acte signé (PDF, 10 Mo au plus)",
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf"}),
    )

    class Meta:
        model = Deliberation
        fields = [*RECORD_FIELDS, "subject_code"]
        widgets = {
            "convocation_date": DateInput,
            "session_date": DateInput,
            "session_time": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "sent_to_prefecture": DateInput,
            "received_by_prefecture": DateInput,
            "published_on": DateInput,
            "attendees": forms.Textarea(attrs={"rows": 4}),
            "proxies": forms.Textarea(attrs={"rows": 2}),
            "absentees": forms.Textarea(attrs={"rows": 2}),
            "substitutes": forms.Textarea(attrs={"rows": 2}),
        }
        help_texts = {
            "act_id": "Par exemple 063-216302406-20240926-DCM20240926_4-DE (département, SIREN, date, numéro, DE).",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["outcome"].initial = None
        self._optional_subject()
        if self.instance.party.organisation.kind != "epci":
            del self.fields["substitutes"]

    def clean_signed_act(self):
        return clean_pdf(self.cleaned_data.get("signed_act"), "L'acte signé")

    def clean_act_id(self):
        return self.cleaned_data["act_id"].strip().upper()

    def clean(self):
        cleaned = super().clean()
        for field, messages in record_errors(cleaned, deliberation=self.instance).items():
            for message in messages:
                self.add_error(field if field in self.fields else None, message)
        return cleaned


class TransmissionForm(ActSubjectMixin, forms.ModelForm):
    """After adoption: the act's identifier, its transmission to the préfecture and its publication."""

    class Meta:
        model = Deliberation
        fields = ["subject_code", *TRANSMISSION_FIELDS]
        widgets = {"sent_to_prefecture": DateInput, "received_by_prefecture": DateInput, "published_on": DateInput}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            field.disabled = getattr(self.instance, name) not in (None, "")  # recorded once, for good
        # The matière is chosen until the act leaves for the préfecture.
        self.fields["subject_code"].disabled = self.instance.sent_to_prefecture is not None
        self._optional_subject()

    def clean_act_id(self):
        return self.cleaned_data["act_id"].strip().upper()

    def clean(self):
        cleaned = super().clean()
        record = {**model_to_dict(self.instance), **cleaned}
        for field, messages in record_errors(record, deliberation=self.instance).items():
            if field in self.fields:
                for message in messages:
                    self.add_error(field, message)
        return cleaned


class PaperSignatureForm(forms.Form):
    """Who signed on paper, as the signed page says: the executive, or a delegate under an arrêté."""

    signer_name = forms.CharField(label="Nom du ou de la signataire", max_length=200)
    signer_quality = forms.CharField(
        label="Qualité", max_length=150, help_text="« Le Maire », « La Présidente », « Adjointe déléguée »…"
    )
    signer_delegation = forms.CharField(
        label="Délégation de signature",
        max_length=300,
        required=False,
        help_text="Si un délégataire a signé : « pour le Maire et par délégation, arrêté n° … du … ».",
    )
    signed_on = forms.DateField(label="Date de la signature", widget=DateInput)
    scan = forms.FileField(
        label="Page signée scannée (PDF, 10 Mo au plus)",
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf"}),
    )

    def __init__(self, *args, party, **kwargs):
        kwargs.setdefault(
            "initial",
            {
                "signer_name": party.representative_name,
                "signer_quality": party.representative_title,
            },
        )
        super().__init__(*args, **kwargs)

    def clean_scan(self):
        return clean_pdf(self.cleaned_data["scan"], "Le scan", pages=True)

    def signatory(self) -> Signatory:
        data = self.cleaned_data
        return Signatory(data["signer_name"].strip(), data["signer_quality"].strip(), data["signer_delegation"].strip())

    def clean_signed_on(self):
        value = self.cleaned_data["signed_on"]
        if value > timezone.localdate():
            raise forms.ValidationError("La date de signature ne peut pas être dans le futur.")
        return value


class SignForm(forms.Form):
    code = forms.RegexField(
        label="Code reçu par courriel",
        regex=r"^\s*\d{6}\s*$",
        error_messages={"invalid": "Le code compte 6 chiffres."},
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
    )


class VerifyForm(forms.Form):
    document = forms.FileField(
        label="PDF à vérifier (20 Mo au plus)", widget=forms.ClearableFileInput(attrs={"accept": "application/pdf"})
    )

    def clean_document(self):
        upload = self.cleaned_data["document"]
        if upload.size > 20 * 1024 * 1024:
            raise forms.ValidationError("Le fichier dépasse 20 Mo.")
        return upload


class CommitteeForm(forms.ModelForm):
    class Meta:
        model = Committee
        fields = ["kind", "name", "composition", "organisations", "people", "members", "rhythm", "role"]
        widgets = {
            "role": forms.Textarea(attrs={"rows": 3}),
            "organisations": forms.CheckboxSelectMultiple,
            "people": forms.CheckboxSelectMultiple,
            "members": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, convention, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisations"].queryset = Organisation.objects.filter(parties__convention=convention).order_by(
            "name"
        )
        self.fields["people"].queryset = people.party_people(convention)
        self.fields["people"].label_from_instance = people_label


def people_label(user) -> str:
    return f"{user.get_full_name() or user.email} ({user.email})"


INVITED_AS = [
    ("own", "Contribue à la convention"),
    (Role.VIEWER, "Lecteur·rice"),
    (Role.ADMIN, "Administrateur·rice (si l'organisation n'en a pas)"),
]


class ConventionInvitationForm(forms.Form):
    """A person of a party organisation, invited from the convention's parties page."""

    organisation = forms.ModelChoiceField(
        label="Organisation", queryset=Organisation.objects.none(), empty_label="— choisir —"
    )
    email = forms.EmailField(label="Adresse e-mail professionnelle")
    invited_as = forms.ChoiceField(
        label="Rôle",
        choices=INVITED_AS,
        initial="own",
        help_text="Contribuer, c'est le rôle propre à l'organisation : chargé·e de coopération pour "
        "l'intercommunalité, agent·e ou élu·e pour une commune, partenaire…",
    )

    def __init__(self, *args, convention, **kwargs):
        # Beside the partner form on the parties page: its own field ids.
        super().__init__(*args, prefix="personne", **kwargs)
        self.fields["organisation"].queryset = Organisation.objects.filter(
            parties__convention=convention, is_active=True
        ).order_by("name")

    def role(self) -> str:
        organisation, invited_as = self.cleaned_data["organisation"], self.cleaned_data["invited_as"]
        if invited_as != "own":
            return invited_as
        return next(value for value, _ in Role.choices_for(organisation.kind) if value not in (Role.ADMIN, Role.VIEWER))


class JoinForm(forms.Form):
    siret = forms.CharField(
        label="SIRET de votre organisation",
        max_length=20,
        help_text="14 chiffres ; ProConnect l'a transmis si vous vous êtes identifié·e avec ProConnect.",
    )
    message = forms.CharField(
        label="Message (facultatif)",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Votre fonction, le service où vous travaillez…",
    )

    def clean_siret(self):
        siret = "".join(self.cleaned_data["siret"].split())
        if error := siret_error(siret):
            raise forms.ValidationError(error)
        self.organisation = territory_services.organisation_for_siret(siret)
        if self.organisation is None:
            raise forms.ValidationError(
                "Aucune organisation de la plateforme ne correspond à ce SIRET. "
                "Demandez à votre conseiller·ère Caf de vous inviter."
            )
        return siret


class JoinDecisionForm(forms.Form):
    role = forms.ChoiceField(label="Rôle accordé")

    def __init__(self, *args, organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [("", "— choisir —"), *Role.choices_for(organisation.kind)]


class MeetingForm(forms.ModelForm):
    class Meta:
        model = Meeting
        fields = ["date", "agenda", "attendees", "notes", "sheets", "minutes"]
        widgets = {
            "date": DateInput,
            "agenda": forms.Textarea(attrs={"rows": 3}),
            "attendees": forms.Textarea(attrs={"rows": 3}),
            "notes": forms.Textarea(attrs={"rows": 4}),
            "sheets": forms.SelectMultiple(attrs={"size": 8}),
        }

    def __init__(self, *args, convention, **kwargs):
        super().__init__(*args, **kwargs)

        self.fields["sheets"].queryset = ActionSheet.objects.filter(convention=convention).with_numbers()
        self.fields["sheets"].label_from_instance = lambda sheet: f"{sheet.number} {sheet.title}"

    def clean_minutes(self):
        upload = self.cleaned_data.get("minutes")
        if upload and hasattr(upload, "content_type"):
            return clean_pdf(upload, "Le compte rendu")
        return upload
