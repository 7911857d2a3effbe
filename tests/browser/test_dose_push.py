"""End to end: a dose reminder goes through the real sweep (``dispatch_reminders --once``) and a real
Celery worker (on a redis-server of its own) to a push service, and on to the browser's service worker,
whose "Taken" records the dose through the outbox exactly once.

The push service is the local fake of tests/reminders (it checks VAPID and decrypts like a browser's push
service); what it received is handed to the page's worker as the push service would, through Chromium's
DevTools protocol (``ServiceWorker.deliverPushMessage``), since Chromium's own push service is not on
this machine. The worker and the sweep share the browser server's SQLite file.
"""

import json
import shutil
import sys
from pathlib import Path

import pytest

from checklists.reminders.push import vapid_generate_keys
from tests.browser.conftest import DEMO_PASSWORD, sign_in
from tests.browser.helpers import today_date, wait_synced
from tests.browser.test_pwa import (
    _deliver_push,
    _notification_action,
    _registration_controlling,
    _wait_for_notification,
)
from tests.reminders.fakepush import FakePushService
from tests.reminders.processes import PrivateRedis, Worker, dispatch_once, wait_for

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(shutil.which("redis-server") is None, reason="redis-server is not installed"),
]

PATIENT = "dose.push@example.com"
DRUG = "Gabapentin"


# The patient, their medicine with its dose reminder made from the schedule, and that reminder due a
# second ago; the browser's subscription (from the fake push service) is added below.
CREATE_PATIENT = f"""
from datetime import timedelta
from django.utils import timezone
from checklists.accounts.services import patient_create
from checklists.careplan.services import medication_save
from checklists.models import ChecklistTemplate, Medication, PushSubscription, Reminder
from checklists.plan.services import assignment_create
from checklists.reminders.services import medication_reminders_sync
patient = patient_create(email="{PATIENT}", time_zone="Europe/London", invite=False)
patient.user.set_password("{DEMO_PASSWORD}")
patient.user.save()
assignment_create(
    patient=patient, template=ChecklistTemplate.objects.get(name="Trigger avoidance"), assigned_by=None
)
# A dose time two minutes ago, so that the reminder due now is about today's dose (near midnight, the
# date of that dose is yesterday: the test follows the date printed).
dose_at = (timezone.now() - timedelta(minutes=2)).astimezone(patient.zone)
medicine = medication_save(medication=Medication(
    patient=patient, name="{DRUG}", dose_text="300 mg", times_of_day="once a day",
    dose_times=f"{{dose_at:%H:%M}}",
    start_date=patient.local_today() - timedelta(days=7),
))
medication_reminders_sync(medication=medicine)
doses = Reminder.objects.filter(patient=patient, kind="medication")
# Only the dose reminder goes out in this slot (the patient's other reminders wait).
Reminder.objects.filter(patient=patient).exclude(pk__in=doses).update(active=False, next_fire_at=None)
PushSubscription.objects.create(
    patient=patient, endpoint="{{endpoint}}", p256dh="{{p256dh}}", auth="{{auth}}"
)
doses.update(next_fire_at=timezone.now() - timedelta(seconds=1), only_if_not_done=True)
print("ROW", medicine.pk, doses.count(), dose_at.date().isoformat(), f"{{dose_at:%H:%M}}")
"""


@pytest.fixture
def push_service():
    keys = vapid_generate_keys()
    service = FakePushService(vapid_public_key=keys[1]).start()
    service.keys = keys  # type: ignore[attr-defined]
    yield service
    service.stop()


@pytest.fixture
def broker():
    """A redis-server of the test's own on a free port (as tests/reminders' end-to-end tests)."""
    server = PrivateRedis().start()
    yield server
    server.stop()


@pytest.fixture
def worker_env(app_server, push_service, broker, tmp_path):
    if not Path(sys.executable).with_name("celery").exists():
        pytest.fail("celery is not installed in the virtualenv (pip install -r requirements.txt)")
    return {
        **app_server.env,
        "CELERY_BROKER_URL": broker.url,
        "VAPID_PRIVATE_KEY": push_service.keys[0],
        "VAPID_PUBLIC_KEY": push_service.keys[1],
        "PUSH_ALLOW_LOCAL_ENDPOINTS": "1",  # the fake push service on http://127.0.0.1
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(tmp_path / "mail"),
        "LOG_LEVEL": "WARNING",
    }


@pytest.fixture
def worker(worker_env, tmp_path):
    started = Worker(worker_env, pool="solo", name="browser-dose", log=tmp_path / "worker.log").start()
    yield started
    started.stop()


def intake_rows(app_server, medication: int) -> list[tuple]:
    return app_server.query(
        "SELECT date, slot, status FROM checklists_intakerecord WHERE medication_id = ?", (medication,)
    )


def test_a_dose_reminder_reaches_the_service_worker_and_taken_lands_once(
    new_context, app_server, push_service, worker_env, worker
):
    subscriber = push_service.subscriber("phone")
    script = (
        CREATE_PATIENT.replace("{endpoint}", push_service.endpoint("phone"))
        .replace("{p256dh}", subscriber.p256dh)
        .replace("{auth}", subscriber.auth)
    )
    output = app_server.manage("shell", "-c", script)
    row = next(line for line in output.splitlines() if line.startswith("ROW "))
    medicine, dose_reminders, day, slot = row.split()[1:]
    medicine = int(medicine)
    assert dose_reminders == "1", "one dose reminder per dose time of the medicine"

    context = new_context()
    context.grant_permissions(["notifications"])
    page = context.new_page()
    sign_in(page, PATIENT)
    wait_synced(page)
    cdp = context.new_cdp_session(page)
    registration_id = _registration_controlling(page, cdp)

    # The sweep claims the due reminder and queues the send; the worker pushes it.
    dispatch_once(worker_env)
    wait_for(lambda: push_service.received, timeout=60, message="the worker's push to reach the push service")
    assert push_service.rejected == []
    [received] = push_service.received
    payload = received.payload
    assert payload["doses"] == [{"medication": medicine, "date": day, "slot": slot}]
    assert DRUG.lower() not in json.dumps(payload).lower()  # never a medicine's name on a lock screen

    _deliver_push(cdp, app_server, registration_id, payload)
    _wait_for_notification(page, payload["tag"])
    page.get_by_role("link", name="Notifications, 1 unread").wait_for()  # the inbox badge, at once
    shown = page.evaluate(
        """async (tag) => {
            const [n] = await (await navigator.serviceWorker.ready).getNotifications({tag});
            return {title: n.title, body: n.body, actions: n.actions.map(a => a.action)};
        }""",
        payload["tag"],
    )
    assert shown["title"] == payload["title"] and shown["body"] == payload["body"]
    assert DRUG not in shown["title"] + shown["body"]
    assert shown["actions"][0] == "taken"

    # "Taken", through the worker's notification listener: the same outbox as a tap in the app.
    assert _notification_action(context, payload["tag"], "taken")["found"]
    wait_for(lambda: intake_rows(app_server, medicine), timeout=20, message="the dose to reach the server")
    if day == today_date(page):  # and Today shows it (the page heard from the worker)
        page.wait_for_function(
            f"document.querySelector(\"[data-testid=dose][data-medication='{medicine}']\")?.dataset.status"
            " === 'taken'"
        )

    # The same push delivered again (a push service may redeliver) and "Taken" again: still one dose.
    _deliver_push(cdp, app_server, registration_id, payload)
    _wait_for_notification(page, payload["tag"])
    assert _notification_action(context, payload["tag"], "taken")["found"]
    wait_synced(page)
    assert intake_rows(app_server, medicine) == [(day, f"{slot}:00", "taken")]
    inbox = app_server.query(
        "SELECT COUNT(*) FROM checklists_notification n JOIN checklists_patient p ON p.id = n.patient_id"
        " JOIN auth_user u ON u.id = p.user_id WHERE u.email = ?",
        (PATIENT,),
    )
    assert inbox == [(1,)]
