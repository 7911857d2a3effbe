"""Log lines: JSON with the request id and the user's id, never their email or name; text when
debugging; the task id on a Celery task's lines."""

import io
import json
import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from checklists.ops.logs import ContextFilter, JsonLinesFormatter
from checklists.tasks import reminders_sweep
from tests.api.conftest import signed_in

REPO = Path(__file__).resolve().parents[2]


class JsonLines(logging.Handler):
    """The production console handler's formatter and filter, writing to a buffer."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.stream = io.StringIO()
        self.setFormatter(JsonLinesFormatter())
        self.addFilter(ContextFilter())

    def emit(self, record: logging.LogRecord) -> None:
        self.stream.write(self.format(record) + "\n")

    def events(self) -> list[dict]:
        """The app's events (factory_boy's debug lines, about building the test data, left out)."""
        events = [json.loads(line) for line in self.stream.getvalue().splitlines()]
        return [event for event in events if not event["logger"].startswith("factory")]

    def text(self) -> str:
        return "\n".join(json.dumps(event) for event in self.events())


@pytest.fixture
def json_lines() -> Iterator[JsonLines]:
    handler = JsonLines()
    root = logging.getLogger()
    before = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        root.setLevel(before)


def test_the_console_handler_is_json_in_production_and_text_when_debugging():
    logging_config: dict = settings.LOGGING
    assert logging_config["handlers"]["console"]["filters"] == ["context"]
    code = (
        "import django, logging; django.setup(); "
        "logging.getLogger('checklists.example').warning('hello %s', 'world')"
    )
    base = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "rlsapp.settings",
        "SECRET_KEY": "k" * 20 + "abcdefghij" * 4,
    }
    base.pop("LOG_FORMAT", None)
    production = subprocess.run(
        [sys.executable, "-c", code],
        env={**base, "DEBUG": "0", "ALLOWED_HOSTS": "care.example.org"},
        capture_output=True,
        text=True,
        cwd=REPO,
        check=True,
    )
    event = json.loads(production.stderr.strip().splitlines()[-1])
    assert event["level"] == "WARNING" and event["logger"] == "checklists.example"
    assert event["message"] == "hello world"
    assert event["timestamp"].endswith("+00:00")
    assert {"request_id", "user_id", "task_id"} <= event.keys()
    debugging = subprocess.run(
        [sys.executable, "-c", code],
        env={**base, "DEBUG": "1"},
        capture_output=True,
        text=True,
        cwd=REPO,
        check=True,
    )
    assert "WARNING checklists.example [None None None] hello world" in debugging.stderr


@pytest.mark.django_db
def test_a_request_log_line_is_json_with_request_id_and_user_id(json_lines, patient):
    phone = signed_in(patient.user)
    response = phone.get("/api/v1/diary/not-a-date/", HTTP_X_REQUEST_ID="proxy-id-123")
    assert response.status_code == 404
    assert response["X-Request-ID"] == "proxy-id-123"
    events = [e for e in json_lines.events() if e["logger"] == "django.request"]
    assert events, json_lines.text()
    event = events[-1]
    assert event["request_id"] == "proxy-id-123"
    assert event["user_id"] == patient.user.pk
    assert event["level"] == "WARNING" and "timestamp" in event
    assert event["status_code"] == 404 and "request" not in event  # not the request object's repr
    text = json_lines.text()
    assert patient.user.email not in text
    for name in filter(
        None, [patient.user.first_name, patient.user.last_name, getattr(patient, "display_name", "")]
    ):
        assert name not in text


@pytest.mark.django_db
def test_a_request_id_is_made_when_none_or_a_forged_one_is_sent(json_lines):
    made = Client().get("/healthz")["X-Request-ID"]
    assert len(made) == 32
    forged = Client().get("/healthz", HTTP_X_REQUEST_ID='x"\n{"level": "ERROR"}')["X-Request-ID"]
    assert forged != 'x"\n{"level": "ERROR"}' and len(forged) == 32


@pytest.mark.django_db
def test_a_failed_sign_in_is_a_security_event_without_the_typed_email(json_lines, patient):
    Client().post("/accounts/login/", {"username": patient.user.email, "password": "wrong"})
    text = json_lines.text()
    assert any(e["logger"].startswith(("rlscare.security", "axes")) for e in json_lines.events()), text
    assert patient.user.email not in text


@pytest.mark.django_db
def test_a_celery_task_log_line_carries_the_task_id(json_lines):
    result = reminders_sweep.apply()
    events = [e for e in json_lines.events() if e["logger"] == "celery.app.trace"]
    assert events and events[-1]["task_id"] == result.id
