"""The patient API, mounted at /api/v1/. Each topic adds its routes here."""

from django.urls import path

from checklists.api import careplan, views

app_name = "api"
urlpatterns = [
    path("me/", views.MeView.as_view(), name="me"),
    # care plan
    path("careplan/", careplan.CarePlanView.as_view(), name="careplan"),
]
