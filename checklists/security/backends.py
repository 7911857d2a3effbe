"""django-axes' backend, tolerant of authenticate() calls that carry no request."""

from axes.backends import AxesStandaloneBackend


class AxesBackend(AxesStandaloneBackend):
    """Every sign-in form passes the request and is throttled; a call without one (Django's test
    client ``login()``, scripts) cannot be tied to an address, so axes steps aside for it."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)
