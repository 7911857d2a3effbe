"""The in-app notification inbox at phone size: a badge with the unread count, the list newest first,
each entry opening what it was about, and read/unread state that survives a reload (kept on the phone:
the API cannot mark an entry read yet; an entry read elsewhere, read_at set, counts as read)."""

import pytest

from tests.browser.conftest import DEMO_PASSWORD, sign_in
from tests.browser.test_pwa import _axe

pytestmark = pytest.mark.browser

PATIENT = "inbox.patient@example.com"
# Three reminders the feed holds: yesterday's diary one (already read on another phone), and two of
# today's checklist ones (unread). Their ids are printed for the test.
CREATE_PATIENT = f"""
from datetime import timedelta
from django.utils import timezone
from checklists.accounts.services import patient_create
from checklists.models import ChecklistTemplate, Notification
from checklists.plan.services import assignment_create
patient = patient_create(email="{PATIENT}", time_zone="Europe/London", invite=False)
patient.user.set_password("{DEMO_PASSWORD}")
patient.user.save()
assignment_create(
    patient=patient, template=ChecklistTemplate.objects.get(name="Trigger avoidance"), assigned_by=None
)
now = timezone.now().replace(second=0, microsecond=0)
today = patient.local_today()
rows = [
    (now - timedelta(days=1), today - timedelta(days=1), "You have 1 care task due", "/#diary", now),
    (now - timedelta(hours=2), today, "You have 3 care tasks due", "/#today", None),
    (now - timedelta(hours=1), today, "You have 2 care tasks due", "/#today", None),
]
for slot, day, body, url, read_at in rows:
    n = Notification.objects.create(
        patient=patient, slot=slot, local_date=day, title="RLS Care", body=body, url=url, read_at=read_at
    )
    print("ROW", n.pk, day.isoformat())
"""


@pytest.fixture(scope="module")
def feed(app_server) -> list[tuple[int, str]]:
    output = app_server.manage("shell", "-c", CREATE_PATIENT)
    rows = [line.split()[1:] for line in output.splitlines() if line.startswith("ROW ")]
    return [(int(pk), day) for pk, day in rows]


def badge(page) -> str:
    return page.locator("[data-testid=inbox-badge]").inner_text()


def is_new(entries) -> list[bool]:
    """Whether each entry carries its "New" flag."""
    return [entries.nth(i).locator(".flag.new").count() == 1 for i in range(entries.count())]


def test_badge_counts_unread_and_opening_an_entry_reads_it(new_context, feed, app_server):
    page = new_context().new_page()
    sign_in(page, PATIENT)
    link = page.get_by_role("link", name="Notifications, 2 unread")
    link.wait_for()
    assert badge(page) == "2"
    link.click()
    page.wait_for_url("**/#inbox")
    entries = page.locator("[data-testid=inbox-entry]")
    entries.first.wait_for()
    # Newest first, each with its text, and the two unread ones say so. The parts are read one by one:
    # an entry's inner text has line breaks only once the stylesheet has laid it out.
    assert entries.locator(".text").all_inner_texts() == [
        "You have 2 care tasks due",
        "You have 3 care tasks due",
        "You have 1 care task due",
    ]
    assert is_new(entries) == [True, True, False]
    assert _axe(page) == []

    # Opening one goes to what it was about (Today) and marks it read.
    entries.first.click()
    page.wait_for_url("**/#today*")
    page.locator("[data-testid=progress]").wait_for()
    page.get_by_role("link", name="Notifications, 1 unread").wait_for()

    # Read state survives a reload, and the yesterday entry opens yesterday's screen it was about.
    page.reload()
    page.get_by_role("link", name="Notifications, 1 unread").click()
    entries.first.wait_for()
    assert is_new(entries) == [False, True, False]
    entries.nth(2).click()
    page.wait_for_url("**/#diary*")


def test_all_read_shows_no_badge_and_the_list_works_offline(new_context, feed, app_server):
    context = new_context()
    page = context.new_page()
    sign_in(page, PATIENT)
    page.goto("/#inbox")
    page.locator("[data-testid=inbox-entry]").first.wait_for()
    page.get_by_role("button", name="Mark all as read").click()
    page.get_by_role("link", name="Notifications", exact=True).wait_for()
    assert page.locator("[data-testid=inbox-badge]").count() == 0

    # Offline the list still shows what the phone last saw, saying so.
    context.set_offline(True)
    page.goto("/#today")
    page.goto("/#inbox")
    page.locator("[data-testid=inbox-entry]").first.wait_for()
    assert page.locator("[data-testid=inbox-entry]").count() == 3
    page.get_by_text("As of the last time this phone was online").wait_for()
    context.set_offline(False)
