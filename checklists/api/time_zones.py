"""GET /api/v1/time-zones/: the current zone names the app offers, and the old aliases it maps."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from checklists.accounts.time_zones import current_time_zones, zone_links
from checklists.api.views import COMMON, PatientAPIView


class TimeZonesView(PatientAPIView):
    """``{"zones": [current names], "links": {alias: current name}}``: the picker shows the zones; the
    app maps a phone's alias (Chromium still reports Asia/Calcutta) to its current name with the links."""

    @extend_schema(responses={200: OpenApiTypes.OBJECT, **COMMON})
    def get(self, request: Request) -> Response:
        current = set(current_time_zones())
        links = {alias: target for alias, target in zone_links().items() if target in current}
        links["Etc/UTC"] = "UTC"
        return Response({"zones": current_time_zones(), "links": links})
