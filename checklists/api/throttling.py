"""Per-user request throttling for the patient API, with rates from settings.API_THROTTLE_RATES."""

from django.conf import settings
from rest_framework.throttling import UserRateThrottle


class PatientRateThrottle(UserRateThrottle):
    """Every patient endpoint: settings.API_THROTTLE_RATES["patient"] per signed-in user."""

    scope = "patient"

    def get_rate(self) -> str:
        # Read at request time (DRF binds its own setting at import), so settings overrides apply.
        return settings.API_THROTTLE_RATES[self.scope]


class SyncRateThrottle(PatientRateThrottle):
    """POST /sync/ additionally: settings.API_THROTTLE_RATES["sync"] per signed-in user."""

    scope = "sync"
