"""/healthz, /readyz and ``manage.py liveness``: what a load balancer, systemd or K8s probe sees."""

from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.db import connections
from django.test import Client
from django.utils import timezone

from checklists.ops import marks
from checklists.tasks import reminders_sweep


@pytest.fixture
def swept_now() -> None:
    marks.sweep_mark(at=timezone.now())
    marks.worker_heartbeat_mark(at=timezone.now(), node="celery@web1")


@pytest.fixture
def database_unreachable() -> Iterator[None]:
    """The default database is a server that does not answer (PostgreSQL: a closed port; SQLite: a
    file that cannot be opened), as after the database host went away."""
    original = connections["default"]
    broken = connections.create_connection("default")
    broken.settings_dict = dict(original.settings_dict)
    if broken.vendor == "postgresql":
        broken.settings_dict.update(HOST="127.0.0.1", PORT="9", OPTIONS={"connect_timeout": 2})
    else:
        broken.settings_dict["NAME"] = "/dev/null/no-such-dir/db.sqlite3"
    connections["default"] = broken
    try:
        yield
    finally:
        broken.close()
        connections["default"] = original


def test_healthz_answers_without_touching_the_database():
    # No django_db mark: pytest-django refuses any database access in this test.
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-store" in response["Cache-Control"]


@pytest.mark.django_db
def test_readyz_is_ready_when_everything_answers(swept_now):
    response = Client().get("/readyz")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "ok"
    assert {name: check["status"] for name, check in body["checks"].items()} == {
        "database": "ok",
        "cache": "ok",
        "migrations": "ok",
        "sweep": "ok",
        "worker": "ok",
    }
    assert body["checks"]["sweep"]["age_seconds"] <= 5
    assert body["checks"]["sweep"]["max_age_seconds"] == 300


@pytest.mark.django_db
def test_readyz_fails_when_the_database_is_unreachable(swept_now, database_unreachable):
    response = Client().get("/readyz")
    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["database"] == {"status": "fail"}
    assert checks["migrations"] == {"status": "fail"}
    assert checks["cache"]["status"] == "ok"
    assert "127.0.0.1" not in response.text and "/dev/null" not in response.text


@pytest.mark.django_db
def test_readyz_fails_when_the_last_sweep_is_stale(settings):
    settings.READYZ_SWEEP_MAX_AGE_SECONDS = 300
    marks.sweep_mark(at=timezone.now() - timedelta(minutes=6))
    response = Client().get("/readyz")
    assert response.status_code == 503
    sweep = response.json()["checks"]["sweep"]
    assert sweep["status"] == "fail" and sweep["age_seconds"] >= 360


@pytest.mark.django_db
def test_readyz_fails_before_any_sweep_and_recovers_after_one():
    response = Client().get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["sweep"] == {
        "status": "fail",
        "last_at": None,
        "age_seconds": None,
        "max_age_seconds": 300,
    }
    reminders_sweep.apply()  # the beat's task, as a worker runs it
    assert Client().get("/readyz").status_code == 200


@pytest.mark.django_db
def test_a_stale_worker_is_reported_but_does_not_fail_readyz():
    marks.sweep_mark(at=timezone.now())
    marks.worker_heartbeat_mark(at=timezone.now() - timedelta(minutes=10))
    response = Client().get("/readyz")
    assert response.status_code == 200
    assert response.json()["checks"]["worker"]["status"] == "stale"


def test_liveness_exits_non_zero_when_stale(capsys):
    with pytest.raises(CommandError) as stale:
        call_command("liveness", "beat")
    assert stale.value.returncode == 1
    assert "beat stale: last sweep never" in str(stale.value)
    marks.worker_heartbeat_mark(at=timezone.now() - timedelta(minutes=5), node="celery@a")
    with pytest.raises(CommandError):
        call_command("liveness", "worker")


def test_liveness_exits_zero_when_fresh(capsys):
    marks.sweep_mark(at=timezone.now())
    marks.worker_heartbeat_mark(at=timezone.now(), node="celery@a")
    call_command("liveness", "beat")
    call_command("liveness", "worker")
    call_command("liveness", "worker", "--node", "celery@a")
    out = capsys.readouterr().out
    assert "beat ok: last sweep 0 s ago" in out and "worker ok: heartbeat 0 s ago" in out
    with pytest.raises(CommandError):
        call_command("liveness", "worker", "--node", "celery@other")


def test_the_workers_heartbeat_signal_marks_it_alive():
    from celery.signals import heartbeat_sent

    class Heart:  # what Celery sends the signal with: its event heartbeat, with the worker's name
        class eventer:
            hostname = "celery@host1"

    assert marks.last_heartbeat_at("celery@host1") is None
    heartbeat_sent.send(sender=Heart())
    assert marks.last_heartbeat_at("celery@host1") is not None
    assert marks.last_heartbeat_at() is not None


def test_health_urls_answer_plain_http_under_ssl_redirect(settings, swept_now):
    settings.SECURE_SSL_REDIRECT = True
    assert Client().get("/healthz").status_code == 200
    assert Client().get("/api/v1/me/").status_code == 301  # everything else still goes to https
