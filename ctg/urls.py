from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from ctg import views, views_public
from governance import views as governance_views
from governance import views_people as governance_people
from governance import views_workflow as governance_workflow
from territories import views as territories_views
from territories.forms import LoginForm, OutboxPasswordResetForm

admin.site.site_header = "CTG Plateforme — administration"
admin.site.site_title = "CTG Plateforme"
admin.site.index_title = "Données de référence, organisations et comptes"

urlpatterns = [
    path("", views.home, name="home"),
    path("accessibilite/", views.accessibility, name="accessibility"),
    path("sante/", views.health, name="health"),
    path("demo/courriels/", views.demo_mailbox, name="demo_mailbox"),
    path(
        "connexion/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True, authentication_form=LoginForm),
        name="login",
    ),
    path("deconnexion/", territories_views.LogoutView.as_view(), name="logout"),
    path("connexion/proconnect/", territories_views.proconnect_login, name="proconnect_login"),
    path("connexion/proconnect/retour/", territories_views.proconnect_callback, name="proconnect_callback"),
    path(
        "mot-de-passe/oublie/",
        auth_views.PasswordResetView.as_view(form_class=OutboxPasswordResetForm),
        name="password_reset",
    ),
    path("mot-de-passe/oublie/envoye/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "mot-de-passe/reinitialiser/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "mot-de-passe/reinitialise/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("mot-de-passe/changer/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("mot-de-passe/change/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("profil/", territories_views.profile, name="profile"),
    path("profil/deconnexion-partout/", territories_views.sign_out_everywhere, name="sign_out_everywhere"),
    path(
        "profil/invitations/<int:invitation_pk>/accepter/",
        territories_views.accept_pending_invitation,
        name="accept_pending_invitation",
    ),
    path("organisations/rejoindre/", governance_people.join_organisation, name="join_organisation"),
    path(
        "organisations/demandes/<int:join_request_pk>/",
        governance_people.join_request_decide,
        name="join_request_decide",
    ),
    path(
        "organisations/demandes/<int:join_request_pk>/retirer/",
        governance_people.join_request_cancel,
        name="join_request_cancel",
    ),
    path("tableau-de-bord/caf/", views.caf_dashboard_view, name="caf_dashboard"),
    path("notifications/", views.notifications, name="notifications"),
    path("ctg/<int:convention_pk>/", views_public.public_convention, name="public_convention"),
    path(
        "ctg/<int:convention_pk>/convention-signee.pdf",
        views_public.public_convention_pdf,
        name="public_convention_pdf",
    ),
    path("conventions/", views.convention_list, name="convention_list"),
    path("conventions/nouvelle/", views.convention_create, name="convention_create"),
    path("conventions/importer/", views.convention_import_json, name="convention_import_json"),
    path("conventions/<int:convention_pk>/", views.convention_detail, name="convention_detail"),
    path("conventions/<int:convention_pk>/modifier/", views.convention_edit, name="convention_edit"),
    path("conventions/<int:convention_pk>/statut/", views.convention_transition, name="convention_transition"),
    path("conventions/<int:convention_pk>/historique/", views.convention_history, name="convention_history"),
    path("conventions/<int:convention_pk>/ctg-suivante/", views.convention_renew, name="convention_renew"),
    path("conventions/<int:convention_pk>/export.json", views.convention_export_json, name="convention_export_json"),
    path(
        "conventions/<int:convention_pk>/commentaires/<str:target_type>/<int:target_pk>/",
        views.comment_create,
        name="comment_create",
    ),
    path("conventions/<int:convention_pk>/", include("governance.urls")),
    path("conventions/<int:convention_pk>/", include("diagnostics.urls")),
    path("conventions/<int:convention_pk>/", include("actions.urls")),
    path("fiches/", include("actions.urls_global")),
    path("signature/<str:token>/", governance_workflow.signature_sign, name="signature_sign"),
    path("verifier/", governance_workflow.verify_document, name="verify_document"),
    path("invitations-partie/<int:party_invitation_pk>/", governance_views.party_invitation, name="party_invitation"),
    path("", include("territories.urls")),
    path("admin/", admin.site.urls),
]
