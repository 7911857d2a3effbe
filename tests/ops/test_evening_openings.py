"""The evening benchmark's replay of an app opening (bench/evening_openings.py) makes requests the app
accepts: if the PWA's endpoints or the outbox's op shapes drift from what the server takes, the
benchmark would time error pages, so this fails first."""

import json
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.test import Client

from checklists.models import Assignment, AssignmentItem, Medication

# The benchmarks import each other as top-level modules (bench/ is a folder of scripts, no package).
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
from benchlib import sign_in
from evening_openings import OK, Phone, opening_calls, raw_request

NOW = datetime(2026, 12, 1, 19, 0, tzinfo=UTC)


@pytest.fixture
def phone(patient):
    assignment = Assignment.objects.create(
        patient=patient,
        name="Evening",
        category="trigger_avoidance",
        start_date=datetime.now(UTC).date() - timedelta(days=1),
    )
    items = [
        AssignmentItem.objects.create(assignment=assignment, position=n, text=f"Item {n}") for n in range(3)
    ]
    medication = Medication.objects.create(patient=patient, name="Bench medicine", dose_times="08:00")
    session = sign_in([patient.user])[patient.user.pk]
    ids = [item.pk for item in items]
    return Phone(session["cookie"], session["csrf"], patient.time_zone, ids, medication=medication.pk)


def _send(client: Client, phone: Phone, call) -> tuple[int, bytes]:
    """Send ``call`` with the headers raw_request gives it (minus the proxy's), through Django's client."""
    head = raw_request(call, phone).split(b"\r\n\r\n", 1)[0].decode().split("\r\n")[1:]
    headers = dict(line.split(": ", 1) for line in head)
    keep = {k: v for k, v in headers.items() if k in {"Accept", "X-CSRFToken", "If-None-Match"}}
    response = client.generic(
        call.method, call.path, call.body, content_type="application/json", headers=keep
    )
    return response.status_code, response.content


@pytest.mark.django_db
def test_every_call_of_an_opening_succeeds_and_every_op_applies(phone):
    client = Client(enforce_csrf_checks=True)
    for pair in phone.cookie.split("; "):
        name, value = pair.split("=", 1)
        client.cookies[name] = value
    first, rest = opening_calls(phone, now=datetime.now(UTC))
    answers = {call.name: _send(client, phone, call) for call in [first, *rest]}
    assert {name: status for name, (status, _) in answers.items() if status not in OK} == {}
    sync = json.loads(answers["sync"][1])
    assert len(sync["applied"]) == 3 and not sync["rejected"]  # two check-offs and the dose taken


def test_only_a_post_carries_the_csrf_header_and_origin():
    phone = Phone(
        cookie="sessionid=s; csrftoken=c", csrf="c", zone="Europe/Berlin", items=[1, 2], medication=3
    )
    first, rest = opening_calls(phone, now=NOW)
    posts = [raw_request(c, phone) for c in rest if c.method == "POST"]
    gets = [raw_request(c, phone) for c in [first, *rest] if c.method == "GET"]
    assert len(posts) == 1 and b"X-CSRFToken: c\r\n" in posts[0] and b"Origin: https://localhost" in posts[0]
    assert not any(b"X-CSRFToken" in raw or b"Origin" in raw for raw in gets)


def test_a_revalidation_carries_the_etag_the_phone_was_given_and_today_is_the_patients_date():
    etags = {"/serviceworker.js": '"v1"'}
    phone = Phone(cookie="sessionid=s", csrf="c", zone="Pacific/Chatham", items=[], etags=etags)
    _, rest = opening_calls(phone, now=NOW)
    worker = next(c for c in rest if c.path == "/serviceworker.js")
    today = next(c for c in rest if c.name == "today")
    assert b'If-None-Match: "v1"' in raw_request(worker, phone)
    assert b"If-None-Match" not in raw_request(today, phone)
    assert today.path == "/api/v1/today/?date=2026-12-02"  # 08:45 the next day in Chatham
