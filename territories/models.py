import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager, Group
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.crypto import salted_hmac
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from territories.identifiers import siret_error
from territories.text import search_key, with_de

# --- Geography (Code officiel géographique) -----------------------------------------


class Region(models.Model):
    code = models.CharField("code INSEE", max_length=3, unique=True)
    name = models.CharField("nom", max_length=100)

    class Meta:
        verbose_name = "région"
        ordering = ["name"]

    def __str__(self):
        return self.name


class Departement(models.Model):
    code = models.CharField("code", max_length=3, unique=True)
    name = models.CharField("nom", max_length=100)
    type_liaison = models.PositiveSmallIntegerField("type de nom (TNCC)", default=0)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="departements")

    class Meta:
        verbose_name = "département"
        ordering = ["code"]

    def __str__(self):
        return f"{self.name} ({self.code})"

    @property
    def name_with_de(self):
        return with_de(self.name, self.type_liaison)


class TerritoryQuerySet(models.QuerySet):
    def search(self, query: str):
        """Match every word of the query, ignoring accents and case, or a code/SIREN prefix."""
        query = (query or "").strip()
        compact = query.replace(" ", "").upper()
        if compact and compact.isalnum() and any(ch.isdigit() for ch in compact):
            return self.filter(self.model.code_lookup(compact))
        words = search_key(query).split()
        if not words:
            return self.none()
        condition = Q()
        for word in words:
            condition &= Q(search_name__contains=word)
        return self.filter(condition)


class EPCI(models.Model):
    class Kind(models.TextChoices):
        CC = "CC", "Communauté de communes"
        CA = "CA", "Communauté d'agglomération"
        CU = "CU", "Communauté urbaine"
        METROPOLE = "ME", "Métropole"

    siren = models.CharField("SIREN", max_length=9, unique=True)
    name = models.CharField("nom", max_length=150)
    kind = models.CharField("nature", max_length=2, choices=Kind.choices)
    population = models.PositiveIntegerField("population totale", default=0)
    search_name = models.CharField(max_length=150, editable=False, db_index=True)

    objects = TerritoryQuerySet.as_manager()

    class Meta:
        verbose_name = "EPCI"
        verbose_name_plural = "EPCI"
        ordering = ["name"]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.search_name = search_key(self.name)
        super().save(*args, **kwargs)

    @staticmethod
    def code_lookup(code):
        return Q(siren__startswith=code)

    @property
    def council_name(self):
        return "conseil de la métropole" if self.kind == self.Kind.METROPOLE else "conseil communautaire"

    @property
    def statutory_name(self) -> str:
        """The name an act uses: « Communauté de communes Plaine Limagne » for « CC Plaine
        Limagne »; a name without the abbreviation (« Clermont Auvergne Métropole ») as it is."""
        abbreviation, _, rest = self.name.partition(" ")
        if rest and abbreviation in (self.Kind.CC, self.Kind.CA, self.Kind.CU) and abbreviation == self.kind:
            return f"{self.Kind(abbreviation).label} {rest}"
        return self.name

    @property
    def competence_article(self) -> str:
        """The CGCT article of the competences its council exercises."""
        return {
            self.Kind.CC: "L5214-16",
            self.Kind.CA: "L5216-5",
            self.Kind.CU: "L5215-20",
            self.Kind.METROPOLE: "L5217-2",
        }[self.kind]


class Commune(models.Model):
    code = models.CharField("code INSEE", max_length=5, unique=True)
    siren = models.CharField("SIREN", max_length=9, blank=True, db_index=True)
    name = models.CharField("nom", max_length=100)
    type_liaison = models.PositiveSmallIntegerField("type de nom (TNCC)", default=0)
    # Communes of the collectivités d'outre-mer have no département in the COG.
    departement = models.ForeignKey(
        Departement, on_delete=models.PROTECT, related_name="communes", null=True, blank=True
    )
    epci = models.ForeignKey(EPCI, on_delete=models.SET_NULL, related_name="communes", null=True, blank=True)
    population = models.PositiveIntegerField("population", default=0)
    postal_codes = models.CharField("codes postaux", max_length=200, blank=True)
    search_name = models.CharField(max_length=100, editable=False, db_index=True)

    objects = TerritoryQuerySet.as_manager()

    class Meta:
        verbose_name = "commune"
        ordering = ["name"]

    def __str__(self):
        return f"{self.name} ({self.code})"

    def save(self, *args, **kwargs):
        self.search_name = search_key(self.name)
        super().save(*args, **kwargs)

    @staticmethod
    def code_lookup(code):
        return Q(code__startswith=code) | Q(siren__startswith=code)

    @property
    def name_with_de(self):
        return with_de(self.name, self.type_liaison)


# --- Users and organisations (the tenants) -------------------------------------------


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("L'adresse e-mail est obligatoire.")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)

    def get_by_natural_key(self, email):
        return self.get(email__iexact=email)


class User(AbstractUser):
    username = None
    email = models.EmailField("adresse e-mail", unique=True)

    weekly_digest = models.BooleanField("résumé hebdomadaire par courriel", default=False)
    digest_sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    # The ProConnect identity this account is linked to (the provider's `sub`, stable for one
    # agent and one service): the only key a ProConnect login is matched on, never the e-mail.
    proconnect_sub = models.CharField("identifiant ProConnect", max_length=255, unique=True, null=True, blank=True)
    proconnect_siret = models.CharField("SIRET déclaré à ProConnect", max_length=14, blank=True)
    # Raised by « se déconnecter partout »: every session opened before no longer matches.
    session_generation = models.PositiveIntegerField(default=0, editable=False)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = []

    objects = UserManager()

    class Meta:
        verbose_name = "utilisateur·rice"
        verbose_name_plural = "utilisateur·rices"
        ordering = ["last_name", "first_name", "email"]

    def __str__(self):
        return self.get_full_name() or self.email

    def save(self, *args, **kwargs):
        self.email = self.email.strip().lower()
        super().save(*args, **kwargs)

    def _get_session_auth_hash(self, secret=None):
        # Django ties a session to the password's hash; the generation joins it so that signing
        # out everywhere works for accounts without a password (ProConnect) too. Generation 0
        # keeps Django's own value: sessions opened before this field existed stay valid.
        if not self.session_generation:
            return super()._get_session_auth_hash(secret=secret)
        key_salt = "territories.User.get_session_auth_hash"
        return salted_hmac(
            key_salt, f"{self.password}:{self.session_generation}", secret=secret, algorithm="sha256"
        ).hexdigest()


class OrganisationQuerySet(models.QuerySet):
    def for_user(self, user):
        """Organisations the user is a member of."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(memberships__user=user, is_active=True).distinct()

    def cafs(self):
        return self.filter(kind=Organisation.Kind.CAF)


class Organisation(models.Model):
    class Kind(models.TextChoices):
        CAF = "caf", "Caf"
        EPCI = "epci", "Intercommunalité (EPCI)"
        COMMUNE = "commune", "Commune"
        DEPARTEMENT = "departement", "Conseil départemental"
        MSA = "msa", "MSA"
        PARTNER = "partner", "Autre partenaire"

    kind = models.CharField("type", max_length=12, choices=Kind.choices)
    name = models.CharField("nom", max_length=200)
    siren = models.CharField("SIREN", max_length=9, blank=True, db_index=True)
    siret = models.CharField("SIRET", max_length=14, blank=True, help_text="Pour les exports de délibérations (SCDL).")
    email = models.EmailField("e-mail de contact", blank=True)
    # A CAF covers one département (two CAFs share the Pyrénées-Atlantiques); a conseil
    # départemental or an MSA covers its own.
    departements = models.ManyToManyField(
        Departement, blank=True, related_name="organisations", verbose_name="départements"
    )
    epci = models.OneToOneField(EPCI, on_delete=models.PROTECT, null=True, blank=True, related_name="organisation")
    commune = models.OneToOneField(
        Commune, on_delete=models.PROTECT, null=True, blank=True, related_name="organisation"
    )
    is_active = models.BooleanField("active", default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = OrganisationQuerySet.as_manager()

    class Meta:
        verbose_name = "organisation"
        ordering = ["name"]
        permissions = [("manage_organisation", "Gérer les membres de l'organisation")]
        constraints = [
            models.CheckConstraint(
                name="organisation_epci_matches_kind",
                condition=Q(epci__isnull=True) | Q(kind="epci"),
            ),
            models.CheckConstraint(
                name="organisation_commune_matches_kind",
                condition=Q(commune__isnull=True) | Q(kind="commune"),
            ),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        super().clean()
        self.siret = self.siret.replace(" ", "")
        if self.siret and (error := siret_error(self.siret, self.siren)):
            raise ValidationError({"siret": error})

    def group(self, role: str | None = None) -> Group:
        """The guardian group of all members, or of the members holding `role`."""
        name = f"org-{self.pk}" if role is None else f"org-{self.pk}-{role}"
        group, _ = Group.objects.get_or_create(name=name)
        return group


class OrganisationUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Organisation, on_delete=models.CASCADE)


class OrganisationGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Organisation, on_delete=models.CASCADE)


class Role(models.TextChoices):
    ADMIN = "admin", "Administrateur·rice de l'organisation"
    CAF_ADVISER = "caf_adviser", "Conseiller·ère territorial·e Caf"
    COORDINATOR = "coordinator", "Chargé·e de coopération CTG"
    COMMUNE_OFFICER = "commune_officer", "Agent·e ou élu·e communal·e"
    PARTNER = "partner", "Partenaire"
    VIEWER = "viewer", "Lecteur·rice"

    @classmethod
    def choices_for(cls, kind: str) -> list[tuple[str, str]]:
        """The roles people of an organisation of that kind can have (no commune role in a Caf)."""
        own = {"caf": cls.CAF_ADVISER, "epci": cls.COORDINATOR, "commune": cls.COMMUNE_OFFICER}.get(kind, cls.PARTNER)
        return [(role.value, role.label) for role in (cls.ADMIN, own, cls.VIEWER)]


class MembershipQuerySet(models.QuerySet):
    def effective(self):
        """Memberships that give rights and receive e-mails: an active person in an active
        organisation (a deactivated organisation's members keep their account, nothing else)."""
        return self.filter(user__is_active=True, organisation__is_active=True)


class Membership(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField("rôle", max_length=20, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = "membre"
        ordering = ["organisation__name", "user__last_name"]
        constraints = [
            models.UniqueConstraint(fields=["user", "organisation"], name="membership_unique_user_organisation")
        ]

    def __str__(self):
        return f"{self.user} — {self.organisation} ({self.get_role_display()})"


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class InvitationQuerySet(models.QuerySet):
    def pending(self):
        return self.filter(accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now())

    def by_token(self, token: str):
        return self.filter(token_hash=_hash_token(token))


class Invitation(models.Model):
    """A single-use, expiring link that makes its holder a member of an organisation.

    Only the SHA-256 of the token is stored: a leaked database does not leak live links."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField("adresse e-mail")
    role = models.CharField("rôle", max_length=20, choices=Role.choices)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    # Sent from a convention's parties page: what it is for, and where accepting leads.
    invited_for = models.CharField("objet", max_length=300, blank=True)
    return_path = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        verbose_name = "invitation"
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.email} → {self.organisation}"

    @classmethod
    def issue(cls, *, organisation, email, role, invited_by, **context) -> tuple["Invitation", str]:
        """Create an invitation and return it with the clear token (shown once, in the e-mail)."""
        token = secrets.token_urlsafe(32)
        invitation = cls.objects.create(
            organisation=organisation,
            email=email.strip().lower(),
            role=role,
            invited_by=invited_by,
            **context,
            token_hash=_hash_token(token),
            expires_at=timezone.now() + timedelta(days=settings.INVITATION_VALIDITY_DAYS),
        )
        return invitation, token

    @property
    def status(self) -> str:
        if self.accepted_at:
            return "acceptée"
        if self.revoked_at:
            return "annulée"
        if self.expires_at <= timezone.now():
            return "expirée"
        return "en attente"

    @property
    def is_usable(self) -> bool:
        return self.status == "en attente"


class JoinRequestQuerySet(models.QuerySet):
    def pending(self):
        return self.filter(status=JoinRequest.Status.PENDING)


class JoinRequest(models.Model):
    """An agent asks to join the organisation their SIRET belongs to; someone entitled to
    (its admin, or for an organisation without one the Caf adviser of a convention it is party
    to) accepts with a role or declines."""

    class Status(models.TextChoices):
        PENDING = "pending", "en attente"
        ACCEPTED = "accepted", "acceptée"
        DECLINED = "declined", "refusée"
        CANCELLED = "cancelled", "retirée"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="join_requests")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="join_requests")
    siret = models.CharField("SIRET", max_length=14, blank=True)
    message = models.TextField("message", blank=True, max_length=1000)
    status = models.CharField("état", max_length=10, choices=Status.choices, default=Status.PENDING)
    role = models.CharField("rôle accordé", max_length=20, choices=Role.choices, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    objects = JoinRequestQuerySet.as_manager()

    class Meta:
        verbose_name = "demande d'adhésion"
        verbose_name_plural = "demandes d'adhésion"
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organisation"],
                condition=Q(status="pending"),
                name="join_request_one_pending",
            )
        ]

    def __str__(self):
        return f"{self.user} → {self.organisation} ({self.get_status_display()})"
