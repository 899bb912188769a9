from django.urls import path

from actions import views

urlpatterns = [path("", views.sheet_list, name="sheet_list")]
