from django.urls import path

from diagnostics import views

urlpatterns = [
    path("diagnostic/", views.diagnostic_detail, name="diagnostic_detail"),
    path("diagnostic/methode/", views.diagnostic_edit, name="diagnostic_edit"),
]
for name, (segment, pk_kwarg, (create, update, delete)) in views.ITEM_VIEWS.items():
    urlpatterns += [
        path(f"diagnostic/{segment}/ajouter/", create, name=f"{name}_create"),
        path(f"diagnostic/{segment}/<int:{pk_kwarg}>/modifier/", update, name=f"{name}_update"),
        path(f"diagnostic/{segment}/<int:{pk_kwarg}>/supprimer/", delete, name=f"{name}_delete"),
    ]
