"""The worklist in a real Chromium: the start page's first link, fits 1366x768 and 820x1180 without
horizontal scrolling, nothing breaks the strict CSP, axe finds nothing, and "Mark reviewed" is one click.

Signed in as the demo clinician on the demo data (seed_demo), with one overdue follow-up added.
"""

import pytest

from tests.browser.conftest import DEMO_PASSWORD
from tests.browser.test_pwa import AXE, _axe

pytestmark = pytest.mark.browser

CLINICIAN = "clinician@example.com"
WORKLIST = "/admin/checklists/patient/worklist/"
VIEWPORTS = {"1366x768": {"width": 1366, "height": 768}, "820x1180": {"width": 820, "height": 1180}}
WATCH_VIOLATIONS = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', e => {
  window.__csp.push(`${e.violatedDirective} blocked ${e.blockedURI} at ${e.sourceFile}:${e.lineNumber}`);
});
"""
OVERDUE = (
    "from datetime import timedelta;"
    "from checklists.models import FollowUp, Patient;"
    "p = Patient.objects.get(user__email='patient@example.com');"
    "FollowUp.objects.create(patient=p, track='iron', kind='ferritin_tsat_lab', title='Worklist check',"
    " due_date=p.local_today() - timedelta(days=5))"
)


@pytest.fixture(scope="module")
def overdue(app_server) -> None:
    app_server.manage("shell", "-c", OVERDUE)


def _sign_in(page) -> None:
    page.goto("/admin/login/?next=/admin/")
    page.fill("input[name=username]", CLINICIAN)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("[type=submit]")
    page.wait_for_url("**/admin/")


@pytest.mark.parametrize("size", sorted(VIEWPORTS))
def test_the_worklist_is_the_first_link_and_fits_the_screen_under_the_csp(
    new_context, app_server, overdue, size
):
    context = new_context(viewport=VIEWPORTS[size], bypass_csp=False)
    context.add_init_script(WATCH_VIOLATIONS)
    page = context.new_page()
    _sign_in(page)
    first_link = page.locator("#content a").first
    assert first_link.get_attribute("href") == WORKLIST
    first_link.click()
    page.wait_for_load_state("networkidle")
    assert page.locator("#worklist li[data-reason=overdue_follow_up]").count() >= 1
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert page.evaluate("window.__csp || []") == []
    context.close()


def test_the_worklist_has_no_axe_violations(new_context, app_server, overdue):
    assert AXE.exists(), "axe-core is missing: run `make setup` (npm ci in frontend/)"
    page = new_context(viewport=VIEWPORTS["1366x768"]).new_page()
    _sign_in(page)
    page.goto(WORKLIST)
    page.wait_for_load_state("networkidle")
    violations = [(v["id"], [n["target"] for n in v["nodes"]][:3]) for v in _axe(page)]
    assert violations == []


def test_mark_reviewed_is_one_click_and_the_reason_goes_quiet(new_context, app_server, overdue):
    page = new_context(viewport=VIEWPORTS["1366x768"], bypass_csp=False).new_page()
    _sign_in(page)
    page.goto(f"{WORKLIST}?reason=overdue_follow_up")
    reasons = page.locator("#worklist li[data-reason=overdue_follow_up]")
    before = reasons.count()
    assert before >= 1
    reasons.first.get_by_role("button", name="Mark reviewed").click()
    page.wait_for_load_state("networkidle")
    assert "marked reviewed" in page.inner_text(".messagelist")
    assert page.url.endswith("?reason=overdue_follow_up")
    assert page.locator("#worklist li[data-reason=overdue_follow_up]").count() == before - 1
