"""The Progress screen in a real Chromium: the server's adherence figures, from one call, kept for offline."""

import re
from datetime import date, timedelta
from urllib.parse import urlsplit

import pytest

from tests.browser.conftest import DEMO_PASSWORD, sign_in
from tests.browser.helpers import wait_synced

pytestmark = pytest.mark.browser

PATIENT = "patient@example.com"
CLINICIAN = "clinician@example.com"  # the demo patient's care team
DAYS_API = re.compile(r"/api/v1/days/")


def shown_figure(figure: str) -> tuple[int, int, int]:
    """(percent, done, due) of a figure as the phone shows it, e.g. "74% (14 of 19)"."""
    match = re.fullmatch(r"(\d+)% \((\d+) of (\d+)\)", figure)
    assert match, figure
    percent, done, due = (int(n) for n in match.groups())
    return percent, done, due


def admin_adherence(new_context, email: str) -> tuple[int, int, int]:
    """(percent, done, due) of the patient's row in the clinicians' patient list, e.g. "74% (14/19)"."""
    page = new_context().new_page()
    page.goto("/admin/login/?next=/admin/checklists/patient/")
    page.fill("input[name=username]", CLINICIAN)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("[type=submit]")
    cell = page.locator("#result_list tbody tr", has_text=f"<{email}>").locator("td.field-adherence_display")
    match = re.fullmatch(r"(\d+)% \((\d+)/(\d+)\)", cell.inner_text())
    assert match, cell.inner_text()
    percent, done, due = (int(n) for n in match.groups())
    return percent, done, due


def expected_streak(days: list[dict]) -> int:
    """Days in a row the server calls complete, ending on the answer's last day (or the one before it)."""
    by_date = {d["date"]: d for d in days}

    def complete(day: date) -> bool:
        row = by_date.get(day.isoformat())
        return row is not None and row["complete"]

    day = date.fromisoformat(days[-1]["date"])
    if not complete(day):
        day -= timedelta(days=1)
    n = 0
    while complete(day):
        n, day = n + 1, day - timedelta(days=1)
    return n


def test_progress_shows_the_servers_adherence_from_one_call_and_keeps_it_offline(new_context):
    context = new_context()
    page = context.new_page()
    sign_in(page, PATIENT)
    wait_synced(page)
    calls = []
    page.on("request", lambda r: calls.append(urlsplit(r.url).path) if "/api/v1/" in r.url else None)

    with page.expect_response(DAYS_API) as answer:
        page.goto("/#progress")  # the first visit: nothing of Progress is on the phone yet
    server = answer.value.json()
    overall = page.locator("[data-testid=adherence]")
    overall.locator("dd").first.wait_for()
    page.wait_for_load_state("networkidle")
    assert calls.count("/api/v1/days/") == 1
    assert "/api/v1/today/" not in calls

    week = next(window for window in server["adherence"] if window["days"] == 7)
    assert week["label"] == "Last 7 complete days"
    label = overall.locator("div", has=page.locator("dd[data-days='7']")).locator("dt")
    assert label.inner_text() == week["label"]
    # The same figure as the clinicians' list shows for this patient.
    figure = overall.locator("dd[data-days='7']").inner_text()
    assert shown_figure(figure) == admin_adherence(new_context, PATIENT)
    assert shown_figure(figure)[1:] == (week["done"], week["due"])

    # Per checklist: the server's figures as sent, and a bar for each day of the 30-day window, dated.
    month = next(window for window in server["adherence"] if window["days"] == 30)
    for checklist in server["checklists"]:
        card = page.locator(f"section[data-checklist='{checklist['id']}']")
        assert card.locator("h3").inner_text() == checklist["name"]
        row = next((c for c in week["checklists"] if c["id"] == checklist["id"]), None)
        shown = card.locator("dd[data-days='7']").inner_text()
        if row is None or row["share"] is None:
            assert shown == "none"
        else:
            assert shown_figure(shown) == (round(row["share"] * 100), row["done"], row["due"])
        assert card.locator("svg.chart rect").count() == month["days"]
        assert card.locator("svg.chart.bars text.tick").count() == 3
    streak = page.locator("[data-testid=streak]").inner_text()
    assert streak.startswith(f"{expected_streak(server['days'])} day")

    # Offline: the last answer is still shown, and says it is as of the last sync.
    context.route(DAYS_API, lambda route: route.abort())
    page.goto("/#today")
    page.goto("/#progress")
    page.locator("[data-testid=progress-as-of]").wait_for()
    assert page.locator("[data-testid=progress-as-of]").inner_text().startswith("As of the last sync")
    assert overall.locator("dd[data-days='7']").inner_text() == figure
    context.unroute_all(behavior="ignoreErrors")
