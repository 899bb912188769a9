from django.urls import path

from territories import views

urlpatterns = [
    path("territoires/recherche/", views.territory_search, name="territory_search"),
    path("organisations/<int:organisation_pk>/", views.organisation_detail, name="organisation_detail"),
    path("organisations/<int:organisation_pk>/inviter/", views.invite_member, name="invite_member"),
    path("organisations/<int:organisation_pk>/modifier/", views.organisation_edit, name="organisation_edit"),
    path(
        "organisations/<int:organisation_pk>/invitations/<int:invitation_pk>/annuler/",
        views.revoke_invitation,
        name="revoke_invitation",
    ),
    path(
        "organisations/<int:organisation_pk>/membres/<int:membership_pk>/role/",
        views.change_member_role,
        name="change_member_role",
    ),
    path(
        "organisations/<int:organisation_pk>/membres/<int:membership_pk>/retirer/",
        views.remove_member,
        name="remove_member",
    ),
    path("invitation/<str:token>/", views.accept_invitation, name="accept_invitation"),
]
