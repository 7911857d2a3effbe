from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from checklists.security.views import csp_report

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("checklists.account_urls")),
    path("api/v1/", include("checklists.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves its start-up script from a URL, so the docs work under the strict CSP.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("security/csp-report/", csp_report, name="csp-report"),
    path("", include("pwa.urls")),
    path("", include("frontend.urls")),
]

if settings.API_BENCH_VIEWS:  # bench/api_bench.py's baseline; never enabled in production
    from rlsapp.bench_views import bare_json

    urlpatterns.insert(0, path("bench/bare/", bare_json, name="bench-bare"))
