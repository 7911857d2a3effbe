"""The reminders screen at phone size: each reminder with what it is for and its next time, on/off, days,
"remind again until done" and snooze saved on the server; refusals and no connection said in words and
the control put back; where reminders go as the server sees it, and "Send a test reminder"."""

import json

import pytest

from tests.browser.conftest import DEMO_PASSWORD, sign_in
from tests.browser.test_pwa import _axe

pytestmark = pytest.mark.browser

CREATE_PATIENT = f"""
from datetime import time
from checklists.accounts.services import patient_create
from checklists.models import ChecklistTemplate
from checklists.plan.services import assignment_create
from checklists.reminders.services import reminder_create
patient = patient_create(email="{{email}}", time_zone="Europe/London", invite=False)
patient.user.set_password("{DEMO_PASSWORD}")
patient.user.save()
assignment = assignment_create(
    patient=patient, template=ChecklistTemplate.objects.get(name="Trigger avoidance"), assigned_by=None
)
diary = reminder_create(patient=patient, kind="diary", local_time=time(21, 30))
checklist = reminder_create(patient=patient, kind="assignment", assignment=assignment, local_time=time(18, 0))
print("ROW", diary.pk, checklist.pk)
"""


def make_patient(app_server, name: str) -> tuple[str, int, int]:
    email = f"reminders.{name}@example.com"
    output = app_server.manage("shell", "-c", CREATE_PATIENT.replace("{email}", email))
    diary, checklist = next(line for line in output.splitlines() if line.startswith("ROW ")).split()[1:]
    return email, int(diary), int(checklist)


def reminder_row(app_server, pk: int) -> dict:
    columns = ["active", "weekdays", "snoozed_until", "repeat_every_minutes", "local_time"]
    row = app_server.query(f"SELECT {', '.join(columns)} FROM checklists_reminder WHERE id = ?", (pk,))[0]
    return dict(zip(columns, row, strict=True))


def open_reminders(page):
    page.goto("/#settings")
    page.get_by_role("link", name="Your reminders and where they go").click()
    page.wait_for_url("**/#reminders")
    page.locator("[data-testid=reminder]").first.wait_for()


def card(page, pk: int):
    return page.locator(f"[data-testid=reminder][data-id='{pk}']")


def test_each_reminder_says_what_it_is_for_and_saves_its_controls(new_context, app_server):
    email, diary, checklist = make_patient(app_server, "controls")
    page = new_context().new_page()
    sign_in(page, email)
    open_reminders(page)
    assert card(page, diary).get_by_role("heading").inner_text() == "Diary"
    assert card(page, checklist).get_by_role("heading").inner_text() == "Trigger avoidance"
    assert card(page, diary).locator("[data-testid=reminder-next]").inner_text().startswith("Next: ")
    assert "21:30" in card(page, diary).locator("[data-testid=reminder-next]").inner_text()
    assert page.get_by_test_id("online-only").inner_text().startswith("Changes to reminders are saved")
    assert [(v["id"], [n["target"] for n in v["nodes"]]) for v in _axe(page)] == []

    # Off, and the next time says so.
    card(page, diary).get_by_role("switch", name="Reminder on").uncheck()
    card(page, diary).get_by_text("Saved.").wait_for()
    assert reminder_row(app_server, diary)["active"] == 0
    assert card(page, diary).locator("[data-testid=reminder-next]").inner_text().startswith("Off")
    card(page, diary).get_by_role("switch", name="Reminder on").check()
    card(page, diary).get_by_text("Saved.").wait_for()
    assert reminder_row(app_server, diary)["active"] == 1

    # Days: no Sunday (bit 6 of the weekday mask).
    card(page, checklist).get_by_role("checkbox", name="Sun").uncheck()
    card(page, checklist).get_by_text("Saved.").wait_for()
    assert reminder_row(app_server, checklist)["weekdays"] == 0b0111111

    # Remind again until done, every 15 minutes.
    card(page, checklist).get_by_label("Remind again until done").select_option(label="Every 15 minutes")
    card(page, checklist).get_by_text("Saved.").wait_for()
    assert reminder_row(app_server, checklist)["repeat_every_minutes"] == 15

    # Snooze for 30 minutes, then cancel it.
    card(page, diary).get_by_role("button", name="Snooze 30 min").click()
    card(page, diary).get_by_test_id("snoozed").wait_for()
    assert card(page, diary).get_by_test_id("snoozed").inner_text().startswith("Snoozed until Today, ")
    assert reminder_row(app_server, diary)["snoozed_until"] is not None
    card(page, diary).get_by_role("button", name="Cancel the snooze").click()
    card(page, diary).get_by_text("Snooze cancelled.").wait_for()
    assert reminder_row(app_server, diary)["snoozed_until"] is None


def test_a_refusal_and_no_connection_read_as_sentences_and_put_the_control_back(new_context, app_server):
    email, diary, _ = make_patient(app_server, "errors")
    context = new_context()
    page = context.new_page()
    sign_in(page, email)
    open_reminders(page)

    # The server refuses a time (400 with a field error): a sentence, never the field's name.
    def refuse(route):
        if route.request.method == "PATCH":
            body = {"local_time": ["Time has wrong format. Use one of these formats instead: hh:mm."]}
            route.fulfill(status=400, content_type="application/json", body=json.dumps(body))
        else:
            route.fallback()

    page.route(f"**/api/v1/reminders/{diary}/", refuse)
    time_input = card(page, diary).get_by_label("Time")
    time_input.fill("07:15")
    time_input.dispatch_event("change")
    card(page, diary).get_by_text(
        "Enter the reminder time as hours and minutes, for example 21:30."
    ).wait_for()
    assert time_input.input_value() == "21:30"
    text = page.locator("main").inner_text()
    assert "local_time" not in text and "wrong format" not in text
    page.unroute(f"**/api/v1/reminders/{diary}/")

    # No connection: said so, and the switch is back on.
    context.set_offline(True)
    switch = card(page, diary).get_by_role("switch", name="Reminder on")
    switch.click()  # the switch goes back at once, so Playwright's uncheck() would call it a failure
    card(page, diary).get_by_text("You are offline. Try again when you have a connection.").wait_for()
    assert switch.is_checked()
    assert reminder_row(app_server, diary)["active"] == 1
    # The list stays readable offline, saying since when.
    page.goto("/#today")
    page.goto("/#reminders")
    card(page, diary).wait_for()
    page.get_by_text("As of the last time this phone was online").wait_for()
    context.set_offline(False)


def test_where_reminders_go_is_said_as_it_is_and_a_test_can_be_sent(new_context, app_server):
    email, _, _ = make_patient(app_server, "channel")
    context = new_context()
    context.grant_permissions(["notifications"])  # permission alone is not a subscription
    page = context.new_page()
    sign_in(page, email)
    open_reminders(page)
    expected = page.evaluate(
        """async () => {
            const csrf = document.cookie.match(/csrftoken=([^;]+)/)[1];
            const r = await fetch('/api/v1/reminders/channel/', {method: 'POST', body: '{"endpoint": null}',
                headers: {'Content-Type': 'application/json', 'X-CSRFToken': csrf}});
            return r.json();
        }"""
    )
    channel = page.get_by_test_id("channel")
    page.wait_for_function(
        "document.querySelector('[data-testid=channel]').textContent === " + json.dumps(expected["message"])
    )
    # No subscription here, so never "on for this phone"; the server's own words, never a raw "detail".
    assert expected["code"] != "push_ok"
    text = page.locator("main").inner_text()
    assert "Reminders are on for this phone" not in text and "detail" not in text
    assert channel.inner_text() == expected["message"]

    page.get_by_role("button", name="Send a test reminder").click()
    note = page.get_by_test_id("channel-note")
    page.wait_for_function("document.querySelector('[data-testid=channel-note]').textContent !== ''")
    assert "detail" not in note.inner_text()
    assert [(v["id"], [n["target"] for n in v["nodes"]]) for v in _axe(page)] == []


def test_the_new_screens_pass_axe_in_dark_mode(new_context, app_server):
    email, _, _ = make_patient(app_server, "dark")
    page = new_context(color_scheme="dark", reduced_motion="reduce").new_page()
    sign_in(page, email)
    open_reminders(page)
    page.wait_for_function(  # the server's answer is drawn
        "!['channel', 'channel unknown'].includes(document.querySelector('[data-testid=channel]').className)"
    )
    problems = {"reminders": _axe(page)}
    page.goto("/#inbox")
    page.get_by_role("heading", name="Notifications").wait_for()
    problems["inbox"] = _axe(page)
    problems = {name: [(v["id"], v["nodes"][0]["target"]) for v in found] for name, found in problems.items()}
    assert problems == {"reminders": [], "inbox": []}
