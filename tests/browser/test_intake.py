"""The intake log at phone size: taken, skipped with a reason, and extra as-needed doses, on Today and on
the care plan for another day; offline through the outbox, each dose reaching the server exactly once;
and a dose recorded on another phone showing here after a sync (from the sync's `changes`)."""

import uuid
from datetime import date, timedelta

import pytest

from tests.browser.conftest import DEMO_PASSWORD, sign_in, wait_for_app
from tests.browser.helpers import idb_dump, item_ids, post_sync, today_date, wait_synced
from tests.browser.test_pwa import _axe

pytestmark = pytest.mark.browser

# Each test has its own patient: a 21:00 medicine every day and an as-needed one.
CREATE_PATIENT = f"""
from checklists.accounts.services import patient_create
from checklists.careplan.services import medication_save
from checklists.models import ChecklistTemplate, Medication
from checklists.plan.services import assignment_create
patient = patient_create(email="{{email}}", time_zone="Europe/London", invite=False)
patient.user.set_password("{DEMO_PASSWORD}")
patient.user.save()
assignment_create(
    patient=patient, template=ChecklistTemplate.objects.get(name="Trigger avoidance"), assigned_by=None
)
start = patient.local_today() - __import__("datetime").timedelta(days=30)
evening = medication_save(medication=Medication(
    patient=patient, name="Gabapentin", dose_text="300 mg", times_of_day="at 21:00", dose_times="21:00",
    start_date=start,
))
as_needed = medication_save(medication=Medication(
    patient=patient, name="Paracetamol", dose_text="500 mg", times_of_day="when needed", as_needed=True,
    start_date=start,
))
print("ROW", evening.pk, as_needed.pk)
"""


def make_patient(app_server, name: str) -> tuple[str, int, int]:
    email = f"intake.{name}@example.com"
    output = app_server.manage("shell", "-c", CREATE_PATIENT.replace("{email}", email))
    evening, as_needed = next(line for line in output.splitlines() if line.startswith("ROW ")).split()[1:]
    return email, int(evening), int(as_needed)


def intake_rows(app_server, medication: int) -> list[tuple]:
    """(date, slot, status, reason) of the server's intake records of ``medication``, in a stable order."""
    return app_server.query(
        "SELECT date, slot, status, reason FROM checklists_intakerecord WHERE medication_id = ?"
        " ORDER BY date, slot, id",
        (medication,),
    )


def dose(page, medication: int, slot: str = "21:00"):
    return page.locator(f"[data-testid=dose][data-medication='{medication}'][data-slot='{slot}']")


def test_taken_skipped_with_a_reason_and_extra_doses_reach_the_server(new_context, app_server):
    email, evening, as_needed = make_patient(app_server, "online")
    page = new_context().new_page()
    sign_in(page, email)
    wait_synced(page)
    day = today_date(page)
    section = page.locator("section[aria-labelledby=intake-today]")
    section.get_by_text("Gabapentin").wait_for()
    # The clinician's entry as written, the dose time, and nothing but "Taken" / "Skipped" to press.
    assert "when: at 21:00" in section.inner_text()
    assert dose(page, evening).locator("[data-testid=dose-state]").inner_text() == "Not recorded"
    page.get_by_role("button", name="Taken: Gabapentin at 21:00").click()
    page.wait_for_function(
        f"document.querySelector(\"[data-testid=dose][data-medication='{evening}']\").dataset.status"
        " === 'taken'"
    )
    page.get_by_role("button", name="Record an extra dose of Paracetamol").click()
    page.get_by_role("button", name="Record an extra dose of Paracetamol").click()
    page.locator("[data-testid=extra]").nth(1).wait_for()
    wait_synced(page)
    assert intake_rows(app_server, evening) == [(day, "21:00:00", "taken", "")]
    assert intake_rows(app_server, as_needed) == [(day, None, "extra", ""), (day, None, "extra", "")]
    assert _axe(page) == []

    # Yesterday's evening dose, from the care plan: skipped, with a reason.
    yesterday = (date.fromisoformat(day) - timedelta(days=1)).isoformat()
    page.goto("/#careplan")
    page.wait_for_load_state("networkidle")
    record = page.locator("[data-testid=record-doses]").first
    record.locator("summary").click()
    record.get_by_label("Day").fill(yesterday)
    record.get_by_role("button", name="Skipped: Gabapentin at 21:00").click()
    record.get_by_label("Reason (optional)").fill("felt sick")
    record.get_by_role("button", name="Save as skipped").click()
    record.get_by_text("felt sick").wait_for()
    wait_synced(page)
    assert intake_rows(app_server, evening) == [
        (yesterday, "21:00:00", "skipped", "felt sick"),
        (day, "21:00:00", "taken", ""),
    ]
    assert _axe(page) == []


def test_offline_doses_wait_in_the_outbox_and_land_once(new_context, app_server):
    email, evening, as_needed = make_patient(app_server, "offline")
    context = new_context()
    page = context.new_page()
    sign_in(page, email)
    wait_synced(page)
    day = today_date(page)
    page.get_by_role("button", name="Taken: Gabapentin at 21:00").wait_for()

    app_server.stop()
    try:
        page.get_by_role("button", name="Taken: Gabapentin at 21:00").click()
        page.get_by_role("button", name="Record an extra dose of Paracetamol").click()
        page.wait_for_function(
            "document.querySelector('[data-testid=pending]')?.textContent.startsWith('2 changes')"
        )
        ops = [row["op"] for row in idb_dump(page, "outbox")]
        assert [(op["kind"], op["status"], op["slot"]) for op in ops] == [
            ("intake", "taken", "21:00"),
            ("intake", "extra", None),
        ]
        # Reopened offline, the phone still shows both, waiting.
        page.reload()
        wait_for_app(page)
        assert "waiting to sync" in dose(page, evening).inner_text()
        assert page.locator("[data-testid=extra]").count() == 1
        assert [op["op_id"] for op in (row["op"] for row in idb_dump(page, "outbox"))] == [
            op["op_id"] for op in ops
        ]
    finally:
        app_server.start()
    page.reload()
    wait_for_app(page)
    wait_synced(page)
    assert intake_rows(app_server, evening) == [(day, "21:00:00", "taken", "")]
    assert intake_rows(app_server, as_needed) == [(day, None, "extra", "")]
    assert "waiting to sync" not in dose(page, evening).inner_text()

    # Sending the same ops again changes nothing: duplicates, one row each.
    replay = post_sync(page, ops)
    assert replay["status"] == 200 and sorted(replay["body"]["duplicates"]) == sorted(o["op_id"] for o in ops)
    assert intake_rows(app_server, evening) == [(day, "21:00:00", "taken", "")]
    assert intake_rows(app_server, as_needed) == [(day, None, "extra", "")]


def test_a_dose_recorded_on_another_phone_shows_after_a_sync(new_context, app_server):
    email, evening, _ = make_patient(app_server, "devices")
    page = new_context().new_page()
    sign_in(page, email)
    wait_synced(page)
    day = today_date(page)
    dose(page, evening).wait_for()
    # Another phone skipped tonight's dose: its op reaches the server, not this phone's store.
    op = {
        "op_id": str(uuid.uuid4()),
        "kind": "intake",
        "medication": evening,
        "date": day,
        "slot": "21:00",
        "status": "skipped",
        "reason": "asleep early",
        "at": page.evaluate("new Date().toISOString()"),
    }
    assert post_sync(page, [op], since=None)["body"]["applied"] == [op["op_id"]]
    assert dose(page, evening).get_attribute("data-status") == ""
    page.evaluate("window.rlsApp.sync()")
    page.wait_for_function(
        f"document.querySelector(\"[data-testid=dose][data-medication='{evening}']\").dataset.status"
        " === 'skipped'"
    )
    assert "asleep early" in dose(page, evening).inner_text()


# Version 1 of the phone's database (before the intake log): its five stores, and one change waiting.
OLD_PHONE = """async ([name, op]) => {
    window.rlsApp.store.close();
    await new Promise((resolve, reject) => {
        const r = indexedDB.deleteDatabase(name);
        r.onsuccess = resolve; r.onerror = reject; r.onblocked = resolve;
    });
    const db = await new Promise((resolve, reject) => {
        const r = indexedDB.open(name, 1);
        r.onupgradeneeded = () => {
            r.result.createObjectStore('days', {keyPath: 'date'});
            r.result.createObjectStore('diary', {keyPath: 'date'});
            r.result.createObjectStore('outbox', {keyPath: 'seq', autoIncrement: true});
            r.result.createObjectStore('rejected', {keyPath: 'op_id'});
            r.result.createObjectStore('meta', {keyPath: 'key'});
        };
        r.onsuccess = () => resolve(r.result); r.onerror = reject;
    });
    await new Promise((resolve, reject) => {
        const tx = db.transaction('outbox', 'readwrite');
        tx.objectStore('outbox').add({op});
        tx.oncomplete = resolve; tx.onerror = reject;
    });
    db.close();
}"""


def test_a_phone_on_the_old_database_keeps_its_outbox_and_gains_the_intake_log(new_context, app_server):
    email, evening, _ = make_patient(app_server, "upgrade")
    page = new_context().new_page()
    sign_in(page, email)
    wait_synced(page)
    day = today_date(page)
    item = item_ids(page)[0]
    key = page.evaluate("document.body.dataset.userKey")
    op = {"op_id": str(uuid.uuid4()), "kind": "checkoff", "item": item, "date": day, "done": True}
    op["at"] = page.evaluate("new Date().toISOString()")
    page.evaluate(OLD_PHONE, [f"rls-{key}", op])

    page.reload()  # the new version of the app opens (and upgrades) the old database
    wait_for_app(page)
    wait_synced(page)
    assert app_server.query(
        "SELECT done FROM checklists_checkoff WHERE item_id = ? AND date = ?", (item, day)
    ) == [(1,)]
    page.get_by_role("button", name="Taken: Gabapentin at 21:00").click()
    wait_synced(page)
    assert intake_rows(app_server, evening) == [(day, "21:00:00", "taken", "")]
