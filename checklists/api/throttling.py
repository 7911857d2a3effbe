"""Per-user request throttling for the patient API, with rates from settings.API_THROTTLE_RATES.

A fixed-window counter per user and scope: one atomic increment per request (one round trip with
CACHE_URL on Redis), where DRF's sliding-window throttles read and rewrite a list of timestamps on every
request. Across a window boundary a client may get up to twice the rate in one window's length, which
is fine for what these are for: stopping a runaway client, not metering.
"""

import time

from django.conf import settings
from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle
from rest_framework.views import APIView

from rlsapp.cache import counter_hit


class PatientRateThrottle(SimpleRateThrottle):
    """Every patient endpoint: settings.API_THROTTLE_RATES["patient"] per signed-in user."""

    scope = "patient"
    # Set by SimpleRateThrottle.__init__ from the rate, e.g. "120/min" -> 120 requests, 60 seconds.
    num_requests: int
    duration: int

    def get_rate(self) -> str:
        # Read at request time (DRF binds its own setting at import), so settings overrides apply.
        return settings.API_THROTTLE_RATES[self.scope]

    def get_cache_key(self, request: Request, view: APIView) -> str:
        who = request.user.pk if request.user.is_authenticated else f"ip:{self.get_ident(request)}"
        return f"throttle:{self.scope}:{who}"

    def allow_request(self, request: Request, view: APIView) -> bool:
        now = time.time()
        window = int(now // self.duration)
        self.retry_after = self.duration - now % self.duration
        count = counter_hit(f"{self.get_cache_key(request, view)}:{window}", timeout=self.duration)
        return count <= self.num_requests

    def wait(self) -> float:
        return self.retry_after


class SyncRateThrottle(PatientRateThrottle):
    """POST /sync/ additionally: settings.API_THROTTLE_RATES["sync"] per signed-in user."""

    scope = "sync"
