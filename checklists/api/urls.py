"""The patient API, mounted at /api/v1/. Each topic adds its routes here."""

from django.urls import path

from checklists.api import views

app_name = "api"
urlpatterns = [
    path("me/", views.MeView.as_view(), name="me"),
]
