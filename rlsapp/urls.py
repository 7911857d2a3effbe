from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("checklists.account_urls")),
    path("", include("pwa.urls")),
    path("", include("frontend.urls")),
]
