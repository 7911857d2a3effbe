"""The care-plan screen shows everything the API sends the patient, at phone size, in light and dark."""

import re

import pytest

from tests.browser.conftest import DEMO_PASSWORD, sign_in
from tests.browser.test_pwa import _axe

pytestmark = pytest.mark.browser

PATIENT = "careplan.patient@example.com"
# One ferritin result, an IRLS total, a lab test due in January next year (its title names TSAT and the
# morning draw), a medication review five days overdue and a medicine with its times as entered.
CREATE_PATIENT = f"""
from datetime import date, timedelta
from decimal import Decimal
from checklists.accounts.services import patient_create
from checklists.careplan import services
from checklists.models import ChecklistTemplate, SeverityScore
from checklists.models.careplan import FollowUpKind
from checklists.plan.services import assignment_create
patient = patient_create(email="{PATIENT}", time_zone="Europe/London", invite=False)
patient.user.set_password("{DEMO_PASSWORD}")
patient.user.save()
assignment_create(
    patient=patient, template=ChecklistTemplate.objects.get(name="Trigger avoidance"), assigned_by=None
)
today = patient.local_today()
services.labresult_add(
    patient=patient, drawn_on=today - timedelta(days=20), ferritin=Decimal("42"), tsat=Decimal("18"),
    laboratory="North Lab (Abbott Architect)",
)
SeverityScore.objects.create(patient=patient, scored_on=today - timedelta(days=20), irls_total=14)
services.followup_create(
    patient=patient, kind=FollowUpKind.FERRITIN_TSAT_LAB, due_date=date(today.year + 1, 1, 24),
    title="Ferritin and TSAT recheck: morning draw",
)
services.followup_create(
    patient=patient, kind=FollowUpKind.MEDICATION_REVIEW, due_date=today - timedelta(days=5)
)
services.medication_add(
    patient=patient, name="Pregabalin", dose_text="75 mg", times_of_day="20:00, before bed"
)
"""


@pytest.fixture(scope="module")
def careplan_patient(app_server):
    if not app_server.query("SELECT COUNT(*) FROM auth_user WHERE username = ?", (PATIENT,))[0][0]:
        app_server.manage("shell", "-c", CREATE_PATIENT)
    return PATIENT


def open_care_plan(page, email: str) -> dict:
    sign_in(page, email)
    plan = page.request.get("/api/v1/careplan/").json()
    page.goto("/#careplan")
    page.wait_for_selector("#track-iron")
    page.locator("[data-testid=lab-results]").wait_for()
    return plan


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_care_plan_shows_everything_the_api_sends(new_context, careplan_patient, scheme):
    context = new_context(color_scheme=scheme, reduced_motion="reduce")
    page = context.new_page()
    plan = open_care_plan(page, careplan_patient)
    year = int(plan["today"][:4])

    severity = page.locator("[data-testid=severity]")
    assert "IRLS total 14 of 40" in severity.inner_text()
    assert "moderate (the 11\N{EN DASH}20 band)" in severity.inner_text()
    assert "past week" in severity.inner_text() and "31\N{EN DASH}40 very severe" in severity.inner_text()

    results = page.locator("[data-testid=lab-results]").inner_text()
    assert (
        "North Lab (Abbott Architect)" in results and "ferritin 42 ng/mL" in results and "TSAT 18%" in results
    )

    assert "when: 20:00, before bed" in page.locator(".med", has_text="Pregabalin").inner_text()

    timeline = page.locator("[data-testid=timeline] li")
    assert timeline.count() == len(plan["timeline"]) >= 1
    assert (
        "Medication review" in timeline.first.inner_text() and "overdue since" in timeline.first.inner_text()
    )

    # One result: a dot with its value and its date, on an axis from 0.
    chart = page.locator("section:has(#track-iron) svg.chart.values")
    assert chart.locator("circle.dot").count() == 1
    texts = chart.locator("text").evaluate_all("els => els.map(e => e.textContent)")
    assert "42" in texts and "0" in texts and "ng/mL" in texts
    drawn = plan["labs"][0]["drawn_on"]
    assert any(str(int(drawn[8:])) in t and drawn[:4] in t for t in texts), texts

    # A date next year carries its year.
    iron = page.locator("section:has(#track-iron) .followup").first.inner_text()
    assert re.search(rf"January 24, {year + 1}|24 January {year + 1}", iron), iron

    page.get_by_text("What TSAT and “morning draw” mean").click()
    assert page.get_by_text("TSAT (transferrin saturation) are blood tests").is_visible()
    assert page.get_by_text("the blood is taken in the morning").is_visible()

    step = page.locator("section:has(#track-medication) [data-testid=next-step]")
    assert "Contact Leeds Sleep Clinic to arrange a new date" in step.inner_text()
    assert (
        step.get_by_role("link", name="Phone +44 113 496 0000").get_attribute("href") == "tel:+441134960000"
    )
    assert step.get_by_role("link", name="Email sleep@clinic.example").is_visible()
    assert "Mon-Fri 9:00-17:00" in step.inner_text()
    assert page.locator("section:has(#track-vascular) [data-testid=next-step]").count() == 0
    assert _axe(page) == []


def test_without_a_clinic_contact_the_next_step_is_the_care_team(new_context, careplan_patient):
    context = new_context()
    page = context.new_page()

    def without_contact(route):
        body = route.fetch().json()
        route.fulfill(json={**body, "contact": None})

    context.route("**/api/v1/careplan/", without_contact)
    open_care_plan(page, careplan_patient)
    step = page.locator("[data-testid=next-step]")
    assert step.inner_text() == "This is overdue. Contact your care team to arrange a new date."
    assert step.get_by_role("link").count() == 0
    context.unroute_all(behavior="ignoreErrors")


def test_the_care_plan_is_shown_offline_as_last_loaded(new_context, careplan_patient):
    context = new_context()
    page = context.new_page()
    open_care_plan(page, careplan_patient)
    context.set_offline(True)
    page.reload()
    page.locator("[data-testid=severity]").wait_for()
    assert "IRLS total 14 of 40" in page.locator("[data-testid=severity]").inner_text()
    assert "North Lab" in page.locator("[data-testid=lab-results]").inner_text()
    context.set_offline(False)
