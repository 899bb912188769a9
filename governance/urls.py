from django.urls import path

from governance import views

urlpatterns = [
    path("parties/", views.party_list, name="party_list"),
    path("parties/garder/", views.party_keep, name="party_keep"),
    path("parties/ajouter/", views.party_add, name="party_add"),
    path("parties/<int:party_pk>/modifier/", views.party_edit, name="party_edit"),
    path("parties/<int:party_pk>/retirer/", views.party_remove, name="party_remove"),
    path("documents/", views.document_list, name="document_list"),
    path("documents/produire/", views.document_generate, name="document_generate"),
    path("documents/<int:document_pk>/telecharger/", views.document_download, name="document_download"),
]
