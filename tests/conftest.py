"""Shared fixtures: the personas every permission test uses, and the checks every test gets."""

import logging
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.core.servers.basehttp import WSGIServer
from django.test.testcases import LiveServerThread, QuietWSGIRequestHandler
from pytest_django.live_server_helper import LiveServer

from tests.factories import ClinicianFactory, PatientFactory, SuperuserFactory
from tests.fakedns import fake_dns  # noqa: F401 (a fixture: DNS without the internet)

# pytester runs the test that shows the error-log check fails a test (tests/project/test_error_logs.py).
pytest_plugins = ("pytester",)

# Loggers whose errors a test must not swallow: our code's, and Celery's and Django's (a 500, a
# suspicious request). Their children count too ("checklists.reminders.push").
WATCHED_LOGGERS = ("checklists", "rlsapp", "rlscare", "frontend", "celery", "django")
ALLOW_ERROR_LOGS = "allow_error_logs"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{ALLOW_ERROR_LOGS}: the test expects the app to log an ERROR (and asserts what it does about it)",
    )


class ErrorLogWatch(logging.Handler):
    """Collects the ERROR-or-worse records of WATCHED_LOGGERS while it is attached to the root logger."""

    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.name.split(".", 1)[0] in WATCHED_LOGGERS:
            self.records.append(record)

    def check(self, *, allowed: bool) -> None:
        """Fail the running test, naming each record, if any was collected and the test did not opt in."""
        if self.records and not allowed:
            lines = [f"{r.levelname} {r.name}: {r.getMessage()}" for r in self.records]
            pytest.fail(
                "The app logged an error during this test; fix its cause, or mark the test "
                f"@pytest.mark.{ALLOW_ERROR_LOGS} if it expects one:\n  " + "\n  ".join(lines),
                pytrace=False,
            )


@pytest.fixture(autouse=True)
def _no_swallowed_error_logs(request: pytest.FixtureRequest) -> Iterator[ErrorLogWatch]:
    """Fail a test during which the app logged an error it then handled (a 500 page, a task that raised,
    anything our code logs at ERROR): such a test passes while something went wrong. A test that expects
    one opts in with the allow_error_logs marker."""
    watch = ErrorLogWatch()
    root = logging.getLogger()
    root.addHandler(watch)
    try:
        yield watch
    finally:
        root.removeHandler(watch)
    watch.check(allowed=request.node.get_closest_marker(ALLOW_ERROR_LOGS) is not None)


@pytest.fixture(autouse=True, scope="session")
def _static_root() -> None:
    """collectstatic makes STATIC_ROOT in a deployment; the test client's WhiteNoise (DEBUG is off in tests)
    warns on every client without it."""
    Path(django_settings.STATIC_ROOT).mkdir(parents=True, exist_ok=True)


class _OneRequestAtATime(LiveServerThread):
    """Django's live server thread, answering requests one after another in its own thread."""

    def _create_server(self, connections_override: dict[str, Any] | None = None) -> WSGIServer:
        return WSGIServer((self.host, self.port), QuietWSGIRequestHandler, allow_reuse_address=False)


@pytest.fixture(scope="session")
def live_server(request: pytest.FixtureRequest) -> Iterator[LiveServer]:
    """pytest-django's live server; on the in-memory SQLite test database it answers one request at a
    time. That database is one connection, which the threaded server shares with every request thread:
    a page and its service worker asking at once made SQLite fail one of them ("bad parameter or other
    API misuse", a 500 the browser test did not see)."""
    addr = (
        request.config.getvalue("liveserver") or os.getenv("DJANGO_LIVE_TEST_SERVER_ADDRESS") or "localhost"
    )
    server = LiveServer(addr, start=False)
    shared = server.thread
    if shared.connections_override:
        server.thread = _OneRequestAtATime(
            shared.host,
            shared.static_handler,
            connections_override=shared.connections_override,
            port=shared.port,
        )
        server.thread.daemon = True
    server.start()
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Throttle counts and cached sessions live in the cache (Redis with CACHE_URL): each test starts
    from an empty one."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Hash test passwords cheaply; the production hasher list is asserted on rlsapp.settings itself."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def clinician(db):
    return ClinicianFactory(email="alice.clinician@example.com")


@pytest.fixture
def other_clinician(db):
    return ClinicianFactory(email="bob.clinician@example.com")


@pytest.fixture
def superuser(db):
    return SuperuserFactory(email="root@example.com")


@pytest.fixture
def patient(clinician):
    """A patient on ``clinician``'s care team."""
    return PatientFactory(user__email="pat@example.com", care_team=[clinician])


@pytest.fixture
def other_patient(other_clinician):
    """A patient on ``other_clinician``'s care team only."""
    return PatientFactory(user__email="other.pat@example.com", care_team=[other_clinician])
