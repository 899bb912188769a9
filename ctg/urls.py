from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from ctg import views
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
    path("deconnexion/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "mot-de-passe/oublie/",
        auth_views.PasswordResetView.as_view(form_class=OutboxPasswordResetForm),
        name="password_reset",
    ),
    path(
        "mot-de-passe/oublie/envoye/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"
    ),
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
    path("", include("territories.urls")),
    path("admin/", admin.site.urls),
]
