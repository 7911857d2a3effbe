"""The patient API, mounted at /api/v1/. Each topic adds its routes here."""

from django.urls import path

from checklists.api import privacy_views, views

app_name = "api"
urlpatterns = [
    path("me/", views.MeView.as_view(), name="me"),
    # security: data rights and sign-out everywhere
    path("me/export/", privacy_views.ExportView.as_view(), name="me-export"),
    path("me/delete/", privacy_views.DeleteAccountView.as_view(), name="me-delete"),
    path(
        "me/sign-out-everywhere/",
        privacy_views.SignOutEverywhereView.as_view(),
        name="me-sign-out-everywhere",
    ),
]
