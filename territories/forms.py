from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.urls import reverse

from ctg.lib.mail import queue_email
from territories.models import Membership, Organisation, Role, User


class InvitationForm(forms.Form):
    email = forms.EmailField(label="Adresse e-mail de la personne invitée")
    role = forms.ChoiceField(label="Rôle", choices=Role.choices, initial=Role.VIEWER)

    def __init__(self, *args, organisation, **kwargs):
        self.organisation = organisation
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = Role.choices_for(organisation.kind)

    def clean_email(self):
        email = self.cleaned_data["email"].strip().lower()
        if Membership.objects.filter(organisation=self.organisation, user__email__iexact=email).exists():
            raise forms.ValidationError("Cette personne est déjà membre de l'organisation.")
        return email


class OrganisationIdentityForm(forms.ModelForm):
    """What an organisation's admin keeps up to date: its SIRET (the open-data exports of its
    acts need it) and its contact address."""

    siret = forms.CharField(
        label="SIRET",
        required=False,
        max_length=20,  # spaces allowed as typed (« 216 302 406 00014 »)
        help_text="14 chiffres : le SIREN de l'organisation, puis le numéro de l'établissement (le siège).",
    )

    class Meta:
        model = Organisation
        fields = ["siret", "email"]

    def clean_siret(self):
        return "".join(self.cleaned_data["siret"].split())


class MembershipRoleForm(forms.ModelForm):
    class Meta:
        model = Membership
        fields = ["role"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = Role.choices_for(self.instance.organisation.kind)


class AccountCreationForm(forms.ModelForm):
    """The account an invited person creates; the e-mail is the invited one."""

    password1 = forms.CharField(label="Mot de passe", widget=forms.PasswordInput, strip=False)
    password2 = forms.CharField(label="Confirmation du mot de passe", widget=forms.PasswordInput, strip=False)

    class Meta:
        model = User
        fields = ["first_name", "last_name"]

    def __init__(self, *args, email, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.email = email
        self.fields["first_name"].required = True
        self.fields["last_name"].required = True
        self.fields["password1"].help_text = password_validation.password_validators_help_text_html()

    def clean(self):
        cleaned = super().clean()
        password1, password2 = cleaned.get("password1"), cleaned.get("password2")
        if password1 and password2 and password1 != password2:
            self.add_error("password2", "Les deux mots de passe ne sont pas identiques.")
        elif password1:
            try:
                password_validation.validate_password(password1, self.instance)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned

    def save(self, commit=True):
        user = super().save(commit=False)
        user.set_password(self.cleaned_data["password1"])
        if commit:
            user.save()
        return user


class LoginForm(AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": "Adresse e-mail ou mot de passe incorrect.",
        "inactive": "Ce compte est désactivé.",
    }


def login_username(request, credentials) -> str:
    """The address a login attempt is counted against (django-axes), whatever its case."""
    return (credentials or {}).get("username", "").strip().lower()


class OutboxPasswordResetForm(PasswordResetForm):
    """Django's reset form, sending through the outbox and the Celery worker."""

    def send_mail(self, subject_template_name, email_template_name, context, from_email, to_email, **kwargs):

        path = reverse("password_reset_confirm", kwargs={"uidb64": context["uid"], "token": context["token"]})
        queue_email(to=to_email, template="emails/password_reset", context={"user": context["user"], "path": path})


class ProfileForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["first_name", "last_name", "weekly_digest"]
        labels = {"first_name": "Prénom", "last_name": "Nom"}
        help_texts = {
            "weekly_digest": "Chaque lundi, ce qui a changé dans vos conventions et ce qui vous attend.",
        }
