from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from checklists.security.views import csp_report

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("checklists.accounts.urls")),
    path("api/v1/", include("checklists.api.urls")),
    # FHIR R4 for clinicians (session sign-in, scoped as the admin): GET Patient/<id>/$everything
    path("fhir/", include("checklists.fhir.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves its start-up script from a URL, so the docs work under the strict CSP.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("security/csp-report/", csp_report, name="csp-report"),
    # /healthz, /readyz (public, no data) and /metrics (METRICS_TOKEN): README "Health, metrics and logs".
    path("", include("checklists.ops.urls")),
    # The PWA first: its own /serviceworker.js replaces django-pwa's; django-pwa serves /manifest.json.
    path("", include("frontend.urls")),
    path("", include("pwa.urls")),
]

# Under /api/ these answer JSON ({"detail": ...}); elsewhere Django's own pages.
handler400 = "checklists.api.exceptions.bad_request"
handler403 = "checklists.api.exceptions.permission_denied"
handler404 = "checklists.api.exceptions.page_not_found"
handler500 = "checklists.api.exceptions.server_error"
