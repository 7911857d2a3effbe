"""Travel, time zones and failures in a real Chromium at phone size: the zone change moves Today at once,
a trip is noticed and asked about once, and offline, server unreachable and server error each say what
happened, with a Retry; the outbox goes out soon after the server is back."""

import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.browser.conftest import DEMO_PASSWORD, sign_in
from tests.browser.helpers import pending_text, today_date, wait_synced
from tests.browser.test_pwa import _axe

pytestmark = pytest.mark.browser


def make_patient(app_server, email: str, time_zone: str, reminder: bool = False) -> str:
    """Create a patient (demo password, the trigger-avoidance checklist) and return the email."""
    app_server.manage(
        "shell",
        "-c",
        f"""
from datetime import time
from checklists.accounts.services import patient_create
from checklists.models import ChecklistTemplate
from checklists.plan.services import assignment_create
from checklists.reminders.services import reminder_create
patient = patient_create(email="{email}", time_zone="{time_zone}", invite=False)
patient.user.set_password("{DEMO_PASSWORD}")
patient.user.save()
assignment_create(
    patient=patient, template=ChecklistTemplate.objects.get(name="Trigger avoidance"), assigned_by=None
)
if {reminder!r}:
    reminder_create(patient=patient, kind="medication", local_time=time(21, 0), label="Evening medicine")
""",
    )
    return email


def profile_zone(app_server, email: str) -> str:
    return app_server.query(
        "SELECT p.time_zone FROM checklists_patient p JOIN auth_user u ON u.id = p.user_id"
        " WHERE u.username = ?",
        (email,),
    )[0][0]


def wait_for_date(page, day: str) -> None:
    page.wait_for_function(f"document.querySelector('[data-testid=progress]')?.dataset.date === '{day}'")


def other_date_zone(home: str) -> str:
    """A zone whose date differs from ``home``'s right now (the two are 26 hours apart)."""
    now = datetime.now(UTC)
    home_day = now.astimezone(ZoneInfo(home)).date()
    zones = ("Pacific/Kiritimati", "Etc/GMT+12")
    return next(z for z in zones if now.astimezone(ZoneInfo(z)).date() != home_day)


def test_changing_the_time_zone_in_settings_moves_today_at_once(new_context, app_server):
    email = make_patient(app_server, "zone.changer@example.com", "Europe/London")
    away = other_date_zone("Europe/London")
    away_day = datetime.now(UTC).astimezone(ZoneInfo(away)).date().isoformat()
    page = new_context(timezone_id="Europe/London").new_page()
    sign_in(page, email)
    wait_synced(page)
    page.goto("/#settings")
    page.get_by_label("Time zone", exact=True).fill(away)
    page.locator("section[aria-labelledby=settings-profile]").get_by_role("button", name="Save").click()
    page.locator("#time-zone-note").get_by_text("Saved.").wait_for()
    page.get_by_role("link", name="Today").click()  # no reload
    wait_for_date(page, away_day)
    assert today_date(page) == away_day
    # A tap lands on the new date, on the server too.
    page.locator("input[data-item]").first.check()
    wait_synced(page)
    dates = app_server.query(
        "SELECT c.date FROM checklists_checkoff c JOIN checklists_patient p ON p.id = c.patient_id"
        " JOIN auth_user u ON u.id = p.user_id WHERE u.username = ?",
        (email,),
    )
    assert [row[0] for row in dates] == [away_day]


def test_the_zone_picker_offers_current_names_and_the_phones_zone(new_context, app_server):
    email = make_patient(app_server, "zone.picker@example.com", "Europe/London")
    page = new_context(timezone_id="Asia/Kolkata").new_page()
    sign_in(page, email)
    page.goto("/#settings")
    page.locator("#time_zone").wait_for()
    options = page.locator("#time-zones option").evaluate_all("els => els.map(e => e.value)")
    assert {"Asia/Kolkata", "Europe/Kyiv", "Europe/London", "UTC"} <= set(options)
    assert not {"Asia/Calcutta", "Europe/Kiev", "US/Eastern", "GB"} & set(options)
    page.get_by_role("button", name="Use this phone's time zone (Asia/Kolkata)").click()
    page.locator("#time-zone-note").get_by_text("Saved.").wait_for()
    assert profile_zone(app_server, email) == "Asia/Kolkata"


def test_a_trip_is_noticed_and_asked_about_once(new_context, app_server):
    email = make_patient(app_server, "traveller@example.com", "Europe/London")
    away = other_date_zone("Europe/London")
    page = new_context(timezone_id=away).new_page()
    sign_in(page, email)
    banner = page.get_by_role("region", name="Time zone")
    banner.get_by_text(f"This phone is set to {away}, your profile to Europe/London.").wait_for()
    assert _axe(page) == []
    banner.get_by_role("button", name="Keep Europe/London").click()
    banner.wait_for(state="detached")
    page.reload()
    page.wait_for_function("window.rlsApp !== undefined")
    page.wait_for_load_state("networkidle")
    assert page.get_by_role("region", name="Time zone").count() == 0  # asked once for this difference
    assert profile_zone(app_server, email) == "Europe/London"

    second = new_context(timezone_id=away).new_page()  # another phone: asked there too; switch
    sign_in(second, email)
    second.get_by_role("button", name=f"Switch to {away}").click()
    away_day = datetime.now(UTC).astimezone(ZoneInfo(away)).date().isoformat()
    wait_for_date(second, away_day)
    assert profile_zone(app_server, email) == away


def _day_not_on_phone(page) -> None:
    """Open a past day that this phone has never loaded (patient@example.com lives in London)."""
    day = datetime.now(ZoneInfo("Europe/London")).date() - timedelta(days=20)
    page.evaluate(f"location.hash = '#today/{day.isoformat()}'")


def _answer_503(route) -> None:
    body = json.dumps({"detail": "Service unavailable."})
    route.fulfill(status=503, content_type="application/json", body=body)


@pytest.mark.allow_error_logs
def test_offline_unreachable_and_server_error_each_say_what_happened(new_context, app_server):
    context = new_context(service_workers="block", color_scheme="dark")
    page = context.new_page()
    page.goto("/accounts/login/?next=/")
    page.get_by_label("Email").fill("patient@example.com")
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/")
    wait_synced(page)
    topbar = page.locator("#sync-status")
    # Today is on the phone before the server fails (a reload now would race its first load).
    page.locator("[data-testid=progress]").wait_for()

    # The server answers 503.
    page.route("**/api/**", _answer_503)
    _day_not_on_phone(page)
    page.get_by_text("the server had a problem. It is not your connection.").wait_for()
    topbar.get_by_text("Server problem").wait_for()
    assert "not on this phone" not in page.locator("main").inner_text()
    assert "Offline" not in topbar.inner_text()
    assert _axe(page) == []  # the message, the top bar's pill and its Retry, in dark mode

    # Online, but the server does not answer at all.
    page.unroute("**/api/**")
    page.route("**/api/**", lambda route: route.abort("connectionrefused"))
    page.locator("main").get_by_role("button", name="Retry").click()
    page.get_by_text("the server cannot be reached right now, although this phone is online").wait_for()
    topbar.get_by_text("Server not reachable").wait_for()
    assert "Offline" not in topbar.inner_text()

    # Really offline, and the day is not on the phone.
    page.unroute("**/api/**")
    context.set_offline(True)
    page.locator("main").get_by_role("button", name="Retry").click()
    page.get_by_text("This day is not on this phone yet.").wait_for()
    topbar.get_by_text("Offline").wait_for()

    # Back online: Retry loads the day, and the top bar is calm again.
    context.set_offline(False)
    page.locator("main").get_by_role("button", name="Retry").click()
    page.locator("[data-testid=progress]").wait_for()
    page.wait_for_function("!document.querySelector('[data-testid=connection]')")


@pytest.mark.allow_error_logs
def test_the_outbox_goes_out_soon_after_the_server_is_back(new_context, app_server):
    # A patient of its own: the demo patients' sessions are counted by other tests.
    email = make_patient(app_server, "outbox.waiter@example.com", "Europe/London")
    context = new_context(service_workers="block", timezone_id="Europe/London")
    page = context.new_page()
    page.goto("/accounts/login/?next=/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/")
    wait_synced(page)
    page.route("**/api/v1/sync/", _answer_503)
    box = page.locator("input[data-item]").first
    was = box.is_checked()
    box.click()
    page.locator("#sync-status").get_by_text("Server problem").wait_for()
    # The backoff has grown to minutes: several failures in a row.
    for _ in range(3):
        page.evaluate("window.rlsApp.sync()")
    assert page.evaluate("window.rlsApp.retryDelay") >= 60_000
    assert pending_text(page) == "1 change waiting to sync"
    page.unroute("**/api/v1/sync/")
    # Any request the server answers (here: opening the care plan) sends the outbox soon.
    page.get_by_role("link", name="Care plan").click()
    wait_synced(page, timeout_s=10)
    page.get_by_role("link", name="Today").click()
    assert page.locator("input[data-item]").first.is_checked() is not was


def test_field_errors_read_as_sentences(new_context, app_server):
    email = make_patient(app_server, "reminder.keeper@example.com", "Europe/London", reminder=True)
    page = new_context().new_page()
    sign_in(page, email)
    page.goto("/#reminders")  # the reminder's time is on the reminders screen
    time_input = page.locator("[data-testid=reminder]").first.get_by_label("Time")
    time_input.fill("")
    time_input.dispatch_event("change")
    page.get_by_text("Enter the reminder time as hours and minutes, for example 21:30.").wait_for()
    assert "local_time" not in page.locator("main").inner_text()
    assert "wrong format" not in page.locator("main").inner_text()
    page.goto("/#settings")
    page.get_by_label("Quiet hours start").fill("22:00")
    page.get_by_label("Quiet hours end").fill("")
    page.locator("section[aria-labelledby=settings-profile]").get_by_role("button", name="Save").click()
    page.get_by_text("Set both the start and the end of quiet hours, or neither.").wait_for()
    assert "quiet_hours" not in page.locator("main").inner_text()


def test_keyboard_focus_is_never_hidden_under_the_tab_bar(new_context):
    page = new_context().new_page()
    sign_in(page)
    page.goto("/#settings")
    page.locator("#delete-step").wait_for()
    page.locator("#delete-step").focus()
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.getBoundingClientRect().bottom")
    tabs_top = page.evaluate("document.querySelector('nav').getBoundingClientRect().top")
    assert focused <= tabs_top
    page.goto("/#today")
    boxes = page.locator("input[data-item]")
    boxes.first.wait_for()
    boxes.first.focus()
    for _ in range(boxes.count() - 1):
        page.keyboard.press("Tab")
        rect = page.evaluate("document.activeElement.getBoundingClientRect().bottom")
        assert rect <= page.evaluate("document.querySelector('nav').getBoundingClientRect().top")


def test_dates_follow_the_patients_language_and_region_and_today_has_its_date(new_context):
    page = new_context(locale="en-GB", timezone_id="Europe/London").new_page()
    sign_in(page)  # patient@example.com lives in Europe/London
    day = datetime.now(ZoneInfo("Europe/London")).date()
    heading = page.locator("main h2").inner_text()
    assert heading == f"Today, {day.strftime('%A')} {day.day} {day.strftime('%B')}"


def test_care_plan_tab_label_stays_on_one_line_at_360_px(new_context):
    page = new_context().new_page()
    sign_in(page)
    link = page.get_by_role("link", name="Care plan")
    lines = link.evaluate(
        "a => { const r = document.createRange(); r.selectNodeContents(a);"
        " return r.getClientRects().length; }"
    )
    assert lines == 1


def test_deleting_the_account_is_behind_a_step(new_context):
    page = new_context().new_page()
    sign_in(page)
    page.goto("/#settings")
    page.get_by_role("button", name="Delete my account…").wait_for()
    assert not page.locator("#delete-password").is_visible()
    page.get_by_role("button", name="Delete my account…").click()
    assert page.locator("#delete-password").is_visible()
    assert page.evaluate("document.activeElement.id") == "delete-password"
    assert not page.get_by_role("button", name="Delete my account…").is_visible()
