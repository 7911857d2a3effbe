"""The session engines record each session's signed-in user, so one user's sessions are found by an
indexed query, never by decoding everyone's."""

from datetime import timedelta
from importlib import import_module

import pytest
from django.contrib.sessions.backends.base import SessionBase
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from checklists.accounts.data_rights import sessions_end_others
from checklists.models import UserSession
from checklists.tasks import sessions_clear_expired
from tests.factories import DEFAULT_PASSWORD, PatientFactory

pytestmark = pytest.mark.django_db

ENGINES = ["checklists.security.sessions.db", "checklists.security.sessions.cached_db"]


@pytest.fixture(params=ENGINES)
def engine(request, settings):
    settings.SESSION_ENGINE = request.param
    return request.param


def _sign_in(client: Client, email: str) -> None:
    response = client.post("/accounts/login/", {"username": email, "password": DEFAULT_PASSWORD})
    assert response.status_code == 302, response.content[:300]


def test_signing_in_records_the_user_and_signing_out_removes_the_session(engine, patient):
    client = Client()
    _sign_in(client, "pat@example.com")
    session = UserSession.objects.get(session_key=client.cookies["sessionid"].value)
    assert session.user_id == patient.user_id
    assert session.get_decoded()["_auth_user_id"] == str(patient.user_id)

    client.post("/accounts/logout/")
    assert not UserSession.objects.filter(user_id=patient.user_id).exists()


def test_a_session_without_a_user_records_none(engine):
    store = import_module(engine).SessionStore()
    store["theme"] = "dark"
    store.save()
    assert UserSession.objects.get(session_key=store.session_key).user_id is None


def test_sign_out_everywhere_reads_one_users_sessions_only(engine, patient, other_patient, monkeypatch):
    phone, laptop = Client(), Client()
    _sign_in(phone, "pat@example.com")
    _sign_in(laptop, "pat@example.com")
    for n in range(20):  # other people's sessions, which must not be read
        _sign_in(Client(), PatientFactory.create(user__email=f"someone{n}@example.com").user.email)
    _sign_in(Client(), "other.pat@example.com")
    decoded = []
    original_decode = SessionBase.decode

    def counting_decode(store, data):
        decoded.append(1)
        return original_decode(store, data)

    monkeypatch.setattr(SessionBase, "decode", counting_decode)

    with CaptureQueriesContext(connection) as queries:
        ended = sessions_end_others(user=patient.user, keep_session_key=phone.cookies["sessionid"].value)

    assert ended == 1
    assert decoded == []  # found by the indexed user column, not by decoding every session
    reads = [q["sql"] for q in queries if q["sql"].startswith('SELECT "checklists_usersession"')]
    # One read by user; the rest are the ended session's own row, by its key, as it is deleted.
    assert len([sql for sql in reads if '"user_id" =' in sql]) == 1
    assert all('"user_id" =' in sql or '"session_key" =' in sql for sql in reads), reads
    monkeypatch.undo()
    assert phone.get("/api/v1/me/").status_code == 200
    assert laptop.get("/api/v1/me/").status_code == 403
    assert UserSession.objects.filter(user_id=other_patient.user_id).count() == 1


def test_the_daily_task_removes_expired_sessions_only(engine, patient, settings):
    live, stale = Client(), Client()
    _sign_in(live, "pat@example.com")
    _sign_in(stale, "pat@example.com")
    UserSession.objects.filter(session_key=stale.cookies["sessionid"].value).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    sessions_clear_expired()
    remaining = list(UserSession.objects.values_list("session_key", flat=True))
    assert remaining == [live.cookies["sessionid"].value]
    assert settings.CELERY_BEAT_SCHEDULE["sessions-clear-expired"]["task"] == sessions_clear_expired.name
