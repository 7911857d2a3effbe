"""The strict Content Security Policy holds on every page: a real Chromium visits them all and fails
on any CSP violation (``securitypolicyviolation`` events, console errors, reports to the endpoint).

Pages come from the URL configuration: every admin model's change list, add and change page, and
every non-admin URL without arguments that answers with HTML; plus the invitation and password reset
pages (they need a token), the sign-in pages signed out, and the two-factor enrolment page.
Clinician-side pages are visited as a superuser, app pages as a patient.
"""

import os
import shutil

import pytest
from django.contrib import admin
from django.db import connections
from django.urls import reverse

from checklists.accounts.invitations import invitation_link
from checklists.accounts.password_reset import password_reset_link
from checklists.accounts.services import clinicians_group_sync
from checklists.models import AccessLog, AccountClosure
from tests.factories import DEFAULT_PASSWORD, PatientFactory, SuperuserFactory
from tests.security.patient_data import fill_every_table
from tests.security.test_permission_matrix import _url_names

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NO_CHROMIUM = (
    "No Chromium for the CSP browser test: install Debian's (`apt-get install -y chromium`, as .ci/run "
    "does) or set CHROMIUM_PATH. This test never skips."
)
WATCH_VIOLATIONS = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', e => {
  window.__csp.push(`${e.violatedDirective} blocked ${e.blockedURI} at ${e.sourceFile}:${e.lineNumber}`);
});
"""


# A ferritin result for the lab import's preview page.
LAB_FILE = (
    b'{"resourceType": "Observation", "status": "final", "code": {"coding": [{"system": "http://loinc.org",'
    b' "code": "2276-4"}]}, "subject": {"identifier": {"value": "pat@example.com"}},'
    b' "effectiveDateTime": "2026-01-05", "valueQuantity": {"value": 58, "unit": "ng/mL"}}'
)

# Not pages: they only answer POST.
POST_ONLY = {"logout", "csp-report", "api:me-delete", "api:me-sign-out-everywhere"}


def _chromium() -> str:
    path = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
    if not os.access(path, os.X_OK):
        pytest.fail(NO_CHROMIUM, pytrace=False)
    return path


@pytest.fixture
def browser(monkeypatch):
    # Playwright's sync API keeps an event loop in this thread; the ORM calls in the test are safe.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=_chromium(), args=["--no-sandbox"])
        try:
            yield browser
        finally:
            browser.close()
            # While Playwright's event loop is running, Django keeps this thread's connections apart
            # from the ones it uses without a loop (asgiref's Local): close the test's own here, or
            # it stays open and PostgreSQL refuses to drop the test database at the end.
            connections.close_all()


class Visitor:
    """One signed-in browser context that records every CSP problem on every page it opens."""

    def __init__(self, browser, base_url: str):
        self.context = browser.new_context(base_url=base_url)
        self.context.add_init_script(WATCH_VIOLATIONS)
        self.page = self.context.new_page()
        self.problems: list[str] = []
        self.reports: list[str] = []
        self.page.on("console", self._console)
        self.page.on(
            "request", lambda r: self.reports.append(r.url) if "/security/csp-report/" in r.url else None
        )

    def _console(self, message) -> None:
        text = message.text
        if message.type == "error" and (
            "Content Security Policy" in text or "Content-Security-Policy" in text
        ):
            self.problems.append(f"{self.page.url}: {text}")

    def sign_in(self, url: str, username: str) -> None:
        self.page.goto(url)
        self.page.fill("input[name=username]", username)
        self.page.fill("input[name=password]", DEFAULT_PASSWORD)
        self.page.click("[type=submit]")
        self.page.wait_for_load_state("networkidle")

    def visit(self, path: str) -> int | None:
        try:
            response = self.page.goto(path)
        except Exception as error:  # a download (the data export) is not a page
            if "Download is starting" in str(error):
                return 200
            raise
        self.page.wait_for_load_state("networkidle")
        found = self.page.evaluate("window.__csp || []")
        self.problems.extend(f"{path}: {v}" for v in found)
        return response.status if response else None


def _admin_paths() -> list[str]:
    paths = [reverse("admin:index")]
    for model in admin.site._registry:
        info = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        paths += [reverse(f"{info}_changelist"), reverse(f"{info}_add")]
        obj = model._default_manager.order_by("pk").first()
        if obj is not None:
            paths.append(reverse(f"{info}_change", args=[obj.pk]))
    return paths


def _plain_paths() -> list[str]:
    paths = []
    for name, pattern in _url_names(__import__("django.urls", fromlist=["x"]).get_resolver().url_patterns):
        if pattern.pattern.regex.groups == 0 and name not in POST_ONLY:
            try:
                paths.append(reverse(name))
            except Exception:  # a URL that needs arguments is listed by hand below
                continue
    return paths


def test_every_page_holds_under_the_strict_csp(browser, live_server):
    superuser = SuperuserFactory.create(email="root@example.com")
    patient = PatientFactory.create(user__email="pat@example.com", care_team=[superuser])
    fill_every_table(patient)
    closure = AccountClosure.objects.create(patient_ref=999, display_name="Former Patient")
    closure.care_team.add(superuser)
    AccessLog.objects.create(action="view", patient=patient, patient_ref=patient.pk)
    invited = PatientFactory.create(user__email="new@example.com", user__password=None)
    clinicians_group_sync()

    clinician_side = Visitor(browser, live_server.url)
    clinician_side.sign_in("/admin/login/", superuser.email)
    visited: dict[str, int | None] = {}
    lab_import = reverse("admin:checklists_patient_lab_import", args=[patient.pk])
    visit_report = reverse("admin:checklists_patient_report", args=[patient.pk])
    for path in [*_admin_paths(), lab_import, visit_report, reverse("two_factor_setup"), *_plain_paths()]:
        visited[path] = clinician_side.visit(path)
    # The lab import's preview (a POST with a file) renders under the CSP too.
    clinician_side.visit(lab_import)
    clinician_side.page.set_input_files(
        "input[type=file]", files=[{"name": "labs.json", "mimeType": "application/json", "buffer": LAB_FILE}]
    )
    clinician_side.page.click("input[type=submit]")
    clinician_side.page.wait_for_load_state("networkidle")
    assert "Ferritin and TSAT results found" in clinician_side.page.content()
    clinician_side.problems.extend(
        f"lab import preview: {v}" for v in clinician_side.page.evaluate("window.__csp || []")
    )

    patient_side = Visitor(browser, live_server.url)
    patient_side.sign_in("/accounts/login/", patient.user.email)
    for path in _plain_paths():
        visited[f"patient {path}"] = patient_side.visit(path)

    newcomer = Visitor(browser, live_server.url)
    link = invitation_link(patient=invited).split("://", 1)[1].split("/", 1)[1]
    visited["invitation"] = newcomer.visit("/" + link)
    assert "password" in newcomer.page.content()
    for name in ("login", "password_reset", "password_reset_done", "password_reset_complete"):
        visited[f"signed out {reverse(name)}"] = newcomer.visit(reverse(name))
    patient.user.refresh_from_db()  # its sign-in above changed last_login, which the token covers
    reset = password_reset_link(user=patient.user).split("://", 1)[1].split("/", 1)[1]
    visited["password reset"] = newcomer.visit("/" + reset)
    assert "new_password1" in newcomer.page.content()

    # The API docs really rendered (Swagger UI's script ran and drew the schema).
    clinician_side.visit(reverse("api-docs"))
    clinician_side.page.wait_for_selector(".swagger-ui .info", timeout=15000)

    # Every page a person uses opened (others may rightly refuse: add pages of read-only admins, API
    # endpoints that only take POST, and so on; their CSP is still checked).
    essential = [
        reverse("admin:index"),
        *(
            reverse(f"admin:{m._meta.app_label}_{m._meta.model_name}_changelist")
            for m in admin.site._registry
        ),
        reverse("admin:checklists_patient_change", args=[patient.pk]),
        lab_import,
        visit_report,
        "patient " + reverse("api:me-report"),
        reverse("two_factor_setup"),
        reverse("api-docs"),
        "patient " + reverse("frontend:home"),
        "invitation",
        "patient " + reverse("password_change"),
        *(f"signed out {reverse(name)}" for name in ("login", "password_reset", "password_reset_done")),
        "password reset",
    ]
    assert {path: visited.get(path) for path in essential} == dict.fromkeys(essential, 200)
    problems = clinician_side.problems + patient_side.problems + newcomer.problems
    reports = clinician_side.reports + patient_side.reports + newcomer.reports
    assert problems == [] and reports == [], "\n".join(problems + reports)
    for visitor in (clinician_side, patient_side, newcomer):
        visitor.context.close()


def test_the_watch_catches_a_violation(browser, live_server):
    """The check above can fail: an inline script on a page is reported."""
    visitor = Visitor(browser, live_server.url)
    visitor.visit(reverse("login"))
    visitor.page.set_content("<html><body><script>document.title='x'</script></body></html>")
    visitor.page.goto(live_server.url + reverse("login"))
    visitor.page.evaluate(
        "() => { const s = document.createElement('script'); s.textContent = 'window.__ran = 1';"
        " document.body.appendChild(s); }"
    )
    visitor.page.wait_for_timeout(200)
    found = visitor.page.evaluate("window.__csp")
    assert any("script-src" in v for v in found), found
    assert visitor.page.evaluate("window.__ran") is None
    visitor.context.close()
