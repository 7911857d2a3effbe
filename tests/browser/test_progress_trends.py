"""Progress shows how the legs are doing: the diary's charts, weekly targets counted per week, and
personal patterns only above their minimum, for a patient with 90 days of history, at phone size."""

import re
from datetime import date, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.browser.conftest import sign_in
from tests.browser.test_pwa import AXE, _axe

pytestmark = pytest.mark.browser

EMAIL = "trends@example.com"
DAYS_API = re.compile(r"/api/v1/days/")

# 90 days of history in the patient's zone: "No coffee" ticked on even days (symptoms 3) and not on odd
# days (symptoms 7), so 45 nights each side; "No alcohol" ticked on 5 days only (below the minimum);
# "Exercise" 3 times a week, done on Monday, Wednesday and Friday of last week only.
SEED = """
from datetime import timedelta
from django.contrib.auth.models import User
from django.utils.timezone import now
from checklists.models import AssignmentItem, ChecklistTemplate, CheckOff, DiaryEntry, Patient, TemplateItem
from checklists.plan.services import assignment_create

clinician = User.objects.get(username="clinician@example.com")
user = User.objects.create_user(username="{email}", email="{email}", password="rls-demo-2026")
patient = Patient.objects.create(
    user=user, time_zone="Europe/London", invited_at=now(), invitation_accepted_at=now()
)
patient.care_team.add(clinician)
today = patient.local_today()
start = today - timedelta(days=100)
avoid = ChecklistTemplate.objects.create(name="Trends: triggers", category="trigger_avoidance")
TemplateItem.objects.create(template=avoid, position=0, text="No coffee")
TemplateItem.objects.create(template=avoid, position=1, text="No alcohol")
move = ChecklistTemplate.objects.create(name="Trends: moving", category="lifestyle")
TemplateItem.objects.create(template=move, position=0, text="Exercise")
triggers = assignment_create(patient=patient, template=avoid, assigned_by=clinician, start_date=start)
lifestyle = assignment_create(patient=patient, template=move, assigned_by=clinician, start_date=start)
coffee, alcohol = triggers.items.order_by("position")
exercise = lifestyle.items.get()
exercise.weekly_target = 3
exercise.save()
for n in range(1, 91):
    day = today - timedelta(days=n)
    DiaryEntry.objects.create(patient=patient, date=day, severity=3 if n % 2 == 0 else 7, sleep_quality=6)
    if n % 2 == 0:
        CheckOff.objects.create(item=coffee, patient=patient, date=day, done=True)
    if n <= 5:
        CheckOff.objects.create(item=alcohol, patient=patient, date=day, done=True)
monday = today - timedelta(days=today.weekday() + 7)
for n in (0, 2, 4):
    CheckOff.objects.create(item=exercise, patient=patient, date=monday + timedelta(days=n), done=True)
print(coffee.pk, alcohol.pk, exercise.pk)
"""


@pytest.fixture(scope="module")
def trends_patient(app_server) -> tuple[int, int, int]:
    output = app_server.manage("shell", "-c", SEED.replace("{email}", EMAIL))
    coffee, alcohol, exercise = output.strip().splitlines()[-1].split()
    return int(coffee), int(alcohol), int(exercise)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_progress_shows_charts_weekly_targets_and_patterns_above_the_minimum(
    new_context, trends_patient, scheme
):
    coffee, alcohol, exercise = trends_patient
    context = new_context(color_scheme=scheme, reduced_motion="reduce")
    page = context.new_page()
    sign_in(page, EMAIL)

    # Today lists the weekly item, says it is weekly, and leaves it out of the day's count.
    page.locator(f"[data-item='{exercise}']").wait_for()
    assert (
        "3 times a week" in page.locator("label", has=page.locator(f"[data-item='{exercise}']")).inner_text()
    )
    assert page.locator("[data-testid=progress]").inner_text() == "0 of 2"

    calls = []
    page.on("request", lambda r: calls.append(r.url) if "/api/v1/days/" in r.url else None)
    with page.expect_response(DAYS_API) as answer:
        page.goto("/#progress")
    server = answer.value.json()
    page.locator("[data-testid=patterns]").wait_for()
    page.wait_for_load_state("networkidle")
    assert len(calls) == 1  # one call: 90 days, the 30-day chart taken from it
    query = parse_qs(urlsplit(calls[0]).query)
    span = date.fromisoformat(query["to"][0]) - date.fromisoformat(query["from"][0])
    assert span == timedelta(days=89)

    # Symptoms and sleep over 30 and 90 days: value axis 0-10, dates under the time axis, a legend.
    legs = page.locator("[data-testid=legs]")
    assert legs.locator("figure h4").all_inner_texts() == ["Last 30 days", "Last 90 days"]
    for chart in legs.locator("svg.chart.scores").all():
        ticks = chart.locator("text.tick").all_text_contents()
        assert ticks[:3] == ["0", "5", "10"]
        assert len(ticks) == 6 and all(re.search(r"\d", t) for t in ticks[3:])  # three dates
        assert chart.locator("circle.dot.severity").count() >= 29
        assert chart.locator("path.trend.sleep").count() == 1
    assert legs.locator(".legend li").all_inner_texts() == [
        "Symptoms (0 none, 10 worst)",
        "Sleep quality (0 very badly, 10 very well)",
    ]
    # Adherence bars carry dates, and green is said in words.
    assert "Green: everything done that day" in page.locator("[data-testid=bars-key]").inner_text()
    card = page.locator("section[data-checklist]", has_text="Trends: moving")
    assert card.locator("svg.chart.bars text.tick").count() == 3

    # The weekly item: last week's 3 sessions make a complete week, counted 3 of 3 in the 7-day figure.
    last_monday = next(w for w in server["weekly"][0]["weeks"] if w["done"] == 3)["from"]
    week = card.locator(f"li[data-week='{last_monday}']")
    assert week.inner_text().endswith("3 of 3, complete")
    seven = next(w for w in server["adherence"] if w["days"] == 7)
    lifestyle = next(c for c in seven["checklists"] if c["id"] == server["weekly"][0]["checklist"])
    assert (lifestyle["done"], lifestyle["due"]) == (3, 3)
    assert card.locator("dd[data-days='7']").inner_text() == "100% (3 of 3)"

    # Patterns: only the item above the minimum, with its counts and the careful wording.
    patterns = page.locator("[data-testid=patterns]")
    assert patterns.locator("p.pattern").count() == 1
    shown = patterns.locator(f"p.pattern[data-item='{coffee}']").inner_text()
    assert shown.startswith(
        "No coffee: on the 45 nights after days you ticked it, your symptoms averaged 3.0"
    )
    assert "45 nights after days you did not, 7.0" in shown
    assert patterns.locator(f"[data-item='{alcohol}']").count() == 0
    assert "a pattern in your diary, not proof" in patterns.inner_text()
    assert "Discuss it with your care team" in patterns.inner_text()

    assert AXE.exists()
    assert _axe(page) == []
