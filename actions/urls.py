from django.urls import path

from actions import views

urlpatterns = [
    path("plan/", views.plan_detail, name="plan_detail"),
    path("bilan/<int:year>/", views.review, name="review"),
    path("plan/axes/ajouter/", views.AxisCreate.as_view(), name="axis_create"),
    path("plan/axes/<int:axis_pk>/modifier/", views.AxisUpdate.as_view(), name="axis_update"),
    path("plan/axes/<int:axis_pk>/supprimer/", views.AxisDelete.as_view(), name="axis_delete"),
    path("plan/axes/<int:axis_pk>/deplacer/", views.axis_move, name="axis_move"),
    path("plan/axes/<int:axis_pk>/objectifs/ajouter/", views.ObjectiveCreate.as_view(), name="objective_create"),
    path("plan/objectifs/<int:objective_pk>/modifier/", views.ObjectiveUpdate.as_view(), name="objective_update"),
    path("plan/objectifs/<int:objective_pk>/supprimer/", views.ObjectiveDelete.as_view(), name="objective_delete"),
    path("plan/objectifs/<int:objective_pk>/deplacer/", views.objective_move, name="objective_move"),
    path("fiches/ajouter/", views.sheet_create, name="sheet_create"),
    path("fiches/export.<str:file_format>", views.sheet_export, name="sheet_export"),
    path("fiches/importer/", views.sheet_import, name="sheet_import"),
    path("fiches/importer/<int:import_pk>/confirmer/", views.sheet_import_confirm, name="sheet_import_confirm"),
    path("fiches/<int:sheet_pk>/", views.sheet_detail, name="sheet_detail"),
    path("fiches/<int:sheet_pk>/modifier/", views.sheet_edit, name="sheet_edit"),
    path("fiches/<int:sheet_pk>/suivi/", views.sheet_progress, name="sheet_progress"),
    path("fiches/<int:sheet_pk>/mise-a-jour/", views.sheet_follow_up, name="sheet_follow_up"),
    path("fiches/<int:sheet_pk>/dupliquer/", views.sheet_duplicate, name="sheet_duplicate"),
    path("fiches/<int:sheet_pk>/deplacer/", views.sheet_move_to, name="sheet_move_to"),
    path("fiches/<int:sheet_pk>/ordre/", views.sheet_move, name="sheet_move"),
    path("fiches/<int:sheet_pk>/supprimer/", views.SheetDelete.as_view(), name="sheet_delete"),
    path("fiches/<int:sheet_pk>/historique/", views.sheet_history, name="sheet_history"),
]
