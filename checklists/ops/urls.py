from django.urls import path

from checklists.ops import views

# Mounted at the site's root (rlsapp/urls.py): probes and scrapers expect these exact paths.
urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
    path("metrics", views.metrics_view, name="metrics"),
]
