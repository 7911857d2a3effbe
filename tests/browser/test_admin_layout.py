"""The clinicians' workspace fits the screen: at 1366x768 (a clinic desktop) and 820x1180 (a tablet),
every admin page a clinician uses opens without horizontal scrolling, the follow-ups' Status is on
screen, the sidebar starts closed on the tablet, nothing breaks the strict CSP, and axe finds nothing.

Signed in as the demo clinician on the demo data (seed_demo, as ``make run`` loads it).
"""

import pytest

from tests.browser.conftest import DEMO_PASSWORD
from tests.browser.test_pwa import AXE, _axe

pytestmark = pytest.mark.browser

CLINICIAN = "clinician@example.com"
SUPERUSER = "layout-admin@example.com"
DESKTOP = {"width": 1366, "height": 768}
TABLET = {"width": 820, "height": 1180}
WATCH_VIOLATIONS = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', e => {
  window.__csp.push(`${e.violatedDirective} blocked ${e.blockedURI} at ${e.sourceFile}:${e.lineNumber}`);
});
"""


def _pages(app_server) -> dict[str, str]:
    [(patient_id,)] = app_server.query(
        "SELECT p.id FROM checklists_patient p JOIN auth_user u ON u.id = p.user_id WHERE u.email = ?",
        ("patient@example.com",),
    )
    [(assignment_id,)] = app_server.query(
        "SELECT id FROM checklists_assignment WHERE patient_id = ? ORDER BY id LIMIT 1", (patient_id,)
    )
    [(template_id,)] = app_server.query("SELECT id FROM checklists_checklisttemplate ORDER BY id LIMIT 1")
    return {
        "index": "/admin/",
        "patient list": "/admin/checklists/patient/",
        "patient page": f"/admin/checklists/patient/{patient_id}/change/",
        "patient's checklist": f"/admin/checklists/assignment/{assignment_id}/change/",
        "due follow-ups": "/admin/checklists/duefollowup/",
        "lab results import": f"/admin/checklists/patient/{patient_id}/import-labs/",
        "library": "/admin/checklists/checklisttemplate/",
        "library checklist": f"/admin/checklists/checklisttemplate/{template_id}/change/",
    }


def _sign_in(page, username: str = CLINICIAN) -> None:
    page.goto("/admin/login/?next=/admin/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("[type=submit]")
    page.wait_for_url("**/admin/")


def _overflow(page) -> str:
    """Return "" when the page fits its window, else the width and the widest elements sticking out."""
    return page.evaluate(
        """() => {
          const width = window.innerWidth, doc = document.documentElement.scrollWidth;
          if (doc <= width) return "";
          const out = [...document.querySelectorAll('body *')]
            .filter(e => e.getBoundingClientRect().right > width + 1)
            .slice(-6)
            .map(e => `${e.tagName}#${e.id}.${e.className} ${Math.round(e.getBoundingClientRect().right)}`);
          return `scrollWidth ${doc} > ${width}: ${out.join(', ')}`;
        }"""
    )


@pytest.mark.parametrize("viewport", [DESKTOP, TABLET], ids=["1366x768", "820x1180"])
def test_the_access_log_fits_the_screen(new_context, app_server, viewport):
    # The access log is the superuser's page (checklists/admin/audit.py); seed_demo makes none.
    app_server.manage(
        "shell",
        "-c",
        "from django.contrib.auth.models import User;"
        "User.objects.filter(username=ADMIN).exists() or "
        "User.objects.create_superuser(ADMIN, ADMIN, PASSWORD)".replace("ADMIN", repr(SUPERUSER)).replace(
            "PASSWORD", repr(DEMO_PASSWORD)
        ),
    )
    context = new_context(viewport=viewport, bypass_csp=False)
    context.add_init_script(WATCH_VIOLATIONS)
    page = context.new_page()
    _sign_in(page, SUPERUSER)
    response = page.goto("/admin/checklists/accesslog/")
    assert response is not None and response.status == 200
    page.wait_for_load_state("networkidle")
    assert page.locator("#result_list").is_visible()
    assert _overflow(page) == ""
    assert page.evaluate("window.__csp || []") == []


@pytest.mark.parametrize("viewport", [DESKTOP, TABLET], ids=["1366x768", "820x1180"])
def test_every_admin_page_fits_the_screen_under_the_csp(new_context, app_server, viewport):
    context = new_context(viewport=viewport, bypass_csp=False)
    context.add_init_script(WATCH_VIOLATIONS)
    page = context.new_page()
    csp_console: list[str] = []
    page.on(
        "console",
        lambda m: (
            csp_console.append(m.text) if m.type == "error" and "Content Security Policy" in m.text else None
        ),
    )
    _sign_in(page)
    problems = {}
    for name, path in _pages(app_server).items():
        response = page.goto(path)
        assert response is not None and response.status == 200, f"{name}: {response and response.status}"
        page.wait_for_load_state("networkidle")
        if overflow := _overflow(page):
            problems[name] = overflow
        if violations := page.evaluate("window.__csp || []"):
            problems[f"{name} (CSP)"] = "; ".join(violations)
        if page.locator("#nav-sidebar").count():  # the index has no sidebar
            sidebar_open = page.evaluate("document.getElementById('main').classList.contains('shifted')")
            # The clinician's choice once toggled; until then open on a desktop, closed on a tablet.
            if (viewport is DESKTOP) != sidebar_open:
                problems[f"{name} (sidebar)"] = f"open={sidebar_open}"
        if name == "patient page":
            status = page.locator("#follow_ups-group select[name$='-status']").first
            box = status.bounding_box()
            if not (box and box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"]):
                problems["follow-up status"] = f"off screen: {box}"
            if not page.locator("#follow_ups-group th", has_text="Status").first.is_visible():
                problems["follow-up status"] = "no Status heading"
            if not page.locator("#patient-summary").is_visible():
                problems["summary"] = "not shown"
    assert problems == {}, "\n".join(f"{k}: {v}" for k, v in problems.items())
    assert csp_console == []


def test_the_tablet_sidebar_opens_and_stays_open_when_asked(new_context, app_server):
    page = new_context(viewport=TABLET).new_page()
    _sign_in(page)
    page.goto("/admin/checklists/patient/")
    assert not page.evaluate("document.getElementById('main').classList.contains('shifted')")
    page.click("#toggle-nav-sidebar")
    page.goto("/admin/checklists/duefollowup/")
    assert page.evaluate("document.getElementById('main').classList.contains('shifted')")


def test_the_admin_pages_have_no_axe_violations(new_context, app_server):
    assert AXE.exists(), "axe-core is missing: run `make setup` (npm ci in frontend/)"
    page = new_context(viewport=DESKTOP).new_page()
    _sign_in(page)
    results = {}
    for name, path in _pages(app_server).items():
        page.goto(path)
        page.wait_for_load_state("networkidle")
        results[name] = [(v["id"], [n["target"] for n in v["nodes"]][:3]) for v in _axe(page)]
    assert results == {name: [] for name in results}
