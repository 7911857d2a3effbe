"""The diary in a real Chromium at phone size: it follows the night, lists past nights to edit, counts the
note, and works offline through the same outbox."""

import json
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from checklists.diary.rules import DIARY_NOTE_MAX_LENGTH
from tests.browser.conftest import sign_in
from tests.browser.helpers import pending_text, wait_synced

pytestmark = pytest.mark.browser

PATIENT = "patient@example.com"  # Europe/London, with three weeks of demo diary
PATIENT2 = "patient2@example.com"  # America/New_York, no diary yet
HEADING = "[data-testid=diary-night]"


def half_past_midnight(zone: str) -> datetime:
    """The latest 00:30 in ``zone`` that is not in the future (the server rejects a clock ahead)."""
    tz = ZoneInfo(zone)
    now = datetime.now(tz)
    day = now.date() if now.time() >= time(0, 30) else now.date() - timedelta(days=1)
    return datetime.combine(day, time(0, 30), tzinfo=tz)


def tonight(zone: str) -> date:
    """The night the patient is in now, with the real clock (04:00 cut)."""
    now = datetime.now(ZoneInfo(zone))
    return now.date() - timedelta(days=1) if now.time() < time(4) else now.date()


def patient_id(app_server, email: str) -> int:
    return app_server.query(
        "SELECT p.id FROM checklists_patient p JOIN auth_user u ON u.id = p.user_id WHERE u.email = ?",
        (email,),
    )[0][0]


def stored_diary(app_server, email: str, night: date) -> tuple | None:
    """The stored (severity, sleep_quality, note) of ``email``'s diary entry for ``night``, or None."""
    rows = app_server.query(
        "SELECT severity, sleep_quality, note FROM checklists_diaryentry WHERE patient_id = ? AND date = ?",
        (patient_id(app_server, email), night.isoformat()),
    )
    return rows[0] if rows else None


def diary_row(app_server, email: str, night: date) -> tuple:
    """As stored_diary, for an entry that must exist."""
    row = stored_diary(app_server, email, night)
    assert row is not None, f"no diary entry for {night}"
    return row


def diary_ops_sent(requests: list, night: date) -> int:
    """How many diary ops for ``night`` the page posted to /api/v1/sync/."""
    count = 0
    for body in requests:
        for op in json.loads(body)["ops"]:
            count += op["kind"] == "diary" and op["date"] == night.isoformat()
    return count


def record_sync_posts(page) -> list:
    posts: list = []
    page.on(
        "request",
        lambda r: (
            posts.append(r.post_data) if r.method == "POST" and r.url.endswith("/api/v1/sync/") else None
        ),
    )
    return posts


def raise_severity(page, steps: int) -> None:
    slider = page.locator("#severity")
    slider.focus()
    page.keyboard.press("Home")
    for _ in range(steps):
        page.keyboard.press("ArrowRight")


def test_at_half_past_midnight_tonights_diary_is_the_evening_befores_night(new_context, app_server):
    at = half_past_midnight("Europe/London")
    evening = at.date() - timedelta(days=1)
    seeded = diary_row(app_server, PATIENT, evening)
    assert seeded is not None, "the demo diary has the evening before"
    page = new_context().new_page()
    page.clock.set_fixed_time(at.isoformat())
    sign_in(page, PATIENT)
    wait_synced(page)
    posts = record_sync_posts(page)

    page.goto("/#diary")
    heading = page.locator(HEADING)
    assert heading.inner_text() == "Tonight's diary"
    assert heading.get_attribute("data-date") == evening.isoformat()
    assert "still the night that began on" in page.locator("main").inner_text()
    # The evening's entry, not a blank second one.
    assert page.locator("#severity").input_value() == str(seeded[0])

    raise_severity(page, 8)
    page.get_by_role("button", name="Save diary").click()
    wait_synced(page)
    assert diary_row(app_server, PATIENT, evening)[0] == 8
    assert diary_ops_sent(posts, evening) == 1
    assert diary_ops_sent(posts, at.date()) == 0


def test_a_past_night_is_listed_edited_and_synced_once(new_context, app_server):
    night = tonight("America/New_York")
    target = night - timedelta(days=3)
    page = new_context().new_page()
    sign_in(page, PATIENT2)
    wait_synced(page)
    posts = record_sync_posts(page)

    page.goto("/#diary")
    nights = page.locator("a.night")
    nights.first.wait_for()
    assert nights.count() == 14
    assert nights.first.get_attribute("data-night") == (night - timedelta(days=1)).isoformat()
    row = page.locator(f"a.night[data-night='{target.isoformat()}']")
    row.click()
    heading = page.locator(HEADING)
    heading.and_(page.locator(f"[data-date='{target.isoformat()}']")).wait_for()
    assert heading.inner_text().startswith("Night of ")

    raise_severity(page, 6)
    page.get_by_role("button", name="Save diary").click()
    wait_synced(page)
    assert diary_row(app_server, PATIENT2, target)[0] == 6
    assert diary_ops_sent(posts, target) == 1
    assert row.inner_text().split("\n")[-1].startswith("Symptoms 6/10")
    page.wait_for_timeout(500)  # a second flush would have gone out by now
    assert diary_ops_sent(posts, target) == 1

    # Any night of the last 8 weeks, never after tonight.
    picker = page.get_by_label("The night that began on")
    assert picker.get_attribute("max") == night.isoformat()
    assert picker.get_attribute("min") == (night - timedelta(days=56)).isoformat()
    older = night - timedelta(days=40)
    picker.fill(older.isoformat())
    page.get_by_role("button", name="Open").click()
    page.locator(f"{HEADING}[data-date='{older.isoformat()}']").wait_for()


def test_the_note_counts_down_and_a_long_paste_is_said_not_cut_silently(new_context, app_server):
    night = tonight("America/New_York")
    context = new_context(permissions=["clipboard-read", "clipboard-write"])
    page = context.new_page()
    sign_in(page, PATIENT2)
    wait_synced(page)
    page.goto("/#diary")
    counter = page.locator("[data-testid=note-count]")
    assert counter.inner_text() == f"{DIARY_NOTE_MAX_LENGTH} characters left"
    note = page.get_by_label("Note (optional)")
    assert note.get_attribute("maxlength") == str(DIARY_NOTE_MAX_LENGTH)
    note.press_sequentially("Legs ")
    assert counter.inner_text() == f"{DIARY_NOTE_MAX_LENGTH - 5} characters left"

    pasted = ("Restless after the long drive, walked the hall twice. " * 100)[:4926]
    page.evaluate("(text) => navigator.clipboard.writeText(text)", pasted)
    note.press("Control+V")
    assert len(note.input_value()) == DIARY_NOTE_MAX_LENGTH
    assert counter.inner_text() == "0 characters left"
    warning = page.locator("#note-cut")
    assert warning.inner_text() == (
        f"Only the first {DIARY_NOTE_MAX_LENGTH - 5} of the 4926 characters you pasted fit: "
        f"a note holds at most {DIARY_NOTE_MAX_LENGTH}."
    )
    page.get_by_role("button", name="Save diary").click()
    wait_synced(page)
    stored = diary_row(app_server, PATIENT2, night)[2]
    assert stored == ("Legs " + pasted)[:DIARY_NOTE_MAX_LENGTH].strip()


def test_a_past_night_edited_offline_syncs_when_the_server_is_back(new_context, app_server):
    night = tonight("America/New_York") - timedelta(days=5)
    page = new_context().new_page()
    sign_in(page, PATIENT2)
    wait_synced(page)
    page.goto("/#diary")
    page.locator("a.night").first.wait_for()
    app_server.stop()
    try:
        page.locator(f"a.night[data-night='{night.isoformat()}']").click()
        page.locator(f"{HEADING}[data-date='{night.isoformat()}']").wait_for()
        raise_severity(page, 3)
        page.get_by_role("button", name="Save diary").click()
        page.get_by_text("Saved on this phone; it will sync when you are online.").wait_for()
        assert pending_text(page) == "1 change waiting to sync"
        assert stored_diary(app_server, PATIENT2, night) is None
    finally:
        app_server.start()
    page.reload()  # the app syncs when it starts
    wait_synced(page)
    assert diary_row(app_server, PATIENT2, night)[0] == 3
    row = page.locator(f"a.night[data-night='{night.isoformat()}']")
    assert row.inner_text().split("\n")[-1].startswith("Symptoms 3/10")
