"""The safety net ("When to seek care now") at phone size: a link from Today, the diary and the care plan
to a screen that works offline, and the care plan's lines for this patient's situation now."""

import pytest

from tests.browser.conftest import DEMO_PASSWORD, sign_in
from tests.browser.test_pwa import _axe

pytestmark = pytest.mark.browser

PATIENT = "safety.patient@example.com"
# A vein procedure recorded three days ago with its duplex scan still planned, and pramipexole.
CREATE_PATIENT = f"""
from datetime import timedelta
from checklists.accounts.services import patient_create
from checklists.careplan import services
from checklists.models import ChecklistTemplate
from checklists.models.careplan import FollowUpKind
from checklists.plan.services import assignment_create
patient = patient_create(email="{PATIENT}", time_zone="Europe/London", invite=False)
patient.user.set_password("{DEMO_PASSWORD}")
patient.user.save()
assignment_create(
    patient=patient, template=ChecklistTemplate.objects.get(name="Trigger avoidance"), assigned_by=None
)
today = patient.local_today()
procedure = services.followup_create(
    patient=patient, kind=FollowUpKind.VEIN_PROCEDURE, due_date=today - timedelta(days=3)
)
services.followup_complete(followup=procedure, on=today - timedelta(days=3))
services.followup_schedule_post_ablation_duplex(patient=patient, ablation_date=today - timedelta(days=3))
services.medication_add(patient=patient, name="Pramipexole", times_of_day="evening")
"""
SCAN_DONE = f"""
from checklists.careplan import services
from checklists.models import FollowUp
scan = FollowUp.objects.get(patient__user__username="{PATIENT}", kind="venous_duplex", status="planned")
services.followup_complete(followup=scan, on=scan.patient.local_today())
"""
HEADING = "When to seek care now"
NOT_WATCHED = "The app is not watched in real time: nothing typed into it reaches a clinician at once."
VEIN = "New pain, swelling, warmth or redness in the leg: contact the vein team the same day."
INFUSION = "Rash, swelling of the face, wheezing or faintness"
DOPAMINE = "start much earlier in the day: contact the care team soon (possible augmentation)."


@pytest.fixture(scope="module")
def safety_patient(app_server):
    if not app_server.query("SELECT COUNT(*) FROM auth_user WHERE username = ?", (PATIENT,))[0][0]:
        app_server.manage("shell", "-c", CREATE_PATIENT)
    return PATIENT


def follow_link_to_safety_net(page) -> None:
    link = page.get_by_test_id("safety-link")
    link.scroll_into_view_if_needed()
    assert link.is_visible() and link.inner_text() == HEADING
    link.click()
    page.wait_for_url("**/#safety")
    page.get_by_role("heading", name=HEADING, level=2).wait_for()


def test_today_and_the_diary_link_to_the_whole_safety_net(new_context, safety_patient):
    page = new_context().new_page()
    sign_in(page, safety_patient)
    page.wait_for_selector("[data-testid=progress]")
    assert "supports, does not replace, your care team" in page.locator(".safety-footer").inner_text()

    follow_link_to_safety_net(page)
    screen = page.locator("main").inner_text()
    for line in (NOT_WATCHED, "Thoughts of self-harm: contact emergency services", VEIN, INFUSION, DOPAMINE):
        assert line in screen, line
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert _axe(page) == []

    page.goto("/#diary")
    page.get_by_test_id("diary-night").wait_for()
    follow_link_to_safety_net(page)


def test_the_care_plan_shows_the_lines_for_this_patient_until_the_scan_is_done(
    new_context, safety_patient, app_server
):
    page = new_context().new_page()
    sign_in(page, safety_patient)
    page.goto("/#careplan")
    page.wait_for_selector("#track-vascular")
    net = page.get_by_test_id("safety-net")
    assert NOT_WATCHED in net.inner_text()
    situations = net.locator("[data-situation]").evaluate_all("els => els.map(e => e.dataset.situation)")
    assert situations == ["vein_procedure", "dopamine_medicine"]
    assert VEIN in net.inner_text() and DOPAMINE in net.inner_text() and INFUSION not in net.inner_text()
    assert _axe(page) == []

    app_server.manage("shell", "-c", SCAN_DONE)
    page.reload()
    page.wait_for_selector("#track-vascular")
    page.wait_for_function(
        "document.querySelectorAll('[data-testid=safety-net] [data-situation]').length === 1"
    )
    assert VEIN not in net.inner_text() and DOPAMINE in net.inner_text()
    follow_link_to_safety_net(page)


def test_the_safety_net_opens_offline(new_context, safety_patient):
    context = new_context()
    page = context.new_page()
    sign_in(page, safety_patient)
    page.wait_for_selector("[data-testid=progress]")
    context.set_offline(True)
    page.goto("/#safety")
    page.reload()  # from the service worker's app shell: no network
    page.get_by_role("heading", name=HEADING, level=2).wait_for()
    assert NOT_WATCHED in page.locator("main").inner_text() and VEIN in page.locator("main").inner_text()
    page.goto("/#today")
    page.wait_for_selector("[data-testid=progress]")
    follow_link_to_safety_net(page)
    context.set_offline(False)
