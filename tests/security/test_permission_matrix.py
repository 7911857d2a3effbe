"""Who may open what: every URL of the app and every admin model, for every persona.

Both tables are checked against the URL configuration and the admin registry: a new endpoint or a
newly registered admin model without an entry here fails ``test_every_url_has_an_entry`` /
``test_every_admin_model_has_an_entry``. Statuses are what each persona gets from a GET (or the
method named), signed in with a session and no two-factor requirement (that gate has its own tests).
"""

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import time

import pytest
from axes.models import AccessAttempt, AccessFailureLog
from axes.models import AccessLog as AxesAccessLog
from django.contrib import admin
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from checklists.careplan import services as careplan_services
from checklists.clinics.services import clinic_membership_set
from checklists.models import (
    AccessLog,
    AccountClosure,
    Clinic,
    DiaryEntry,
    DueFollowUp,
    Patient,
    PushSubscription,
)
from checklists.models.careplan import FollowUpKind
from checklists.models.reminders import ReminderKind
from checklists.plan.services import assignment_create
from checklists.reminders.services import reminder_create
from tests.factories import ClinicianFactory, template_with_items

pytestmark = pytest.mark.django_db

PERSONAS = ["anonymous", "patient", "other_patient", "clinician", "other_clinician", "superuser"]


def _row(text: str) -> dict[str, int]:
    """'302 200 200 403 403 403' -> {persona: status} in PERSONAS order."""
    codes = [int(code) for code in text.split()]
    assert len(codes) == len(PERSONAS)
    return dict(zip(PERSONAS, codes, strict=True))


@dataclass
class Entry:
    expected: dict[str, int]
    method: str = "get"
    data: dict = field(default_factory=dict)
    kwargs: dict | Callable = field(default_factory=dict)  # or (personas) -> kwargs, made afresh per cell


def _diary_of_patient(p) -> dict:
    day = p["patient"].local_today()
    DiaryEntry.objects.get_or_create(patient=p["patient"], date=day, defaults={"severity": 3})
    return {"date": day.isoformat()}


def _reminder_of_patient(p) -> dict:
    reminder = reminder_create(patient=p["patient"], kind=ReminderKind.MEDICATION, local_time=time(21))
    return {"pk": reminder.pk}


def _push_subscription_of_patient(p) -> dict:
    subscription = PushSubscription.objects.create(
        patient=p["patient"], endpoint=f"https://push.example.net/{uuid.uuid4()}", p256dh="k", auth="a"
    )
    return {"id": subscription.pk}


def _sweep_recorded() -> dict:
    """No kwargs; records a finished reminder sweep, so /readyz answers ready."""
    from django.utils import timezone

    from checklists.ops.marks import sweep_mark

    sweep_mark(at=timezone.now())
    return {}


#                                   anon  pat  other clin oclin super
PATIENT_API = _row("                403   200  200   403  403   403")
PUBLIC = _row("                     200   200  200   200  200   200")

URLS: dict[str, Entry] = {
    "login": Entry(PUBLIC),
    "logout": Entry(_row("302 302 302 302 302 302"), method="post"),
    "invitation_accept": Entry(
        _row("200 200 200 200 200 200"), kwargs={"uidb64": "MQ", "token": "set-password"}
    ),
    "password_reset": Entry(PUBLIC),
    "password_reset_done": Entry(PUBLIC),
    "password_reset_confirm": Entry(PUBLIC, kwargs={"uidb64": "MQ", "token": "set-password"}),
    "password_reset_complete": Entry(PUBLIC),
    "password_change": Entry(_row("302 200 200 200 200 200")),
    "password_change_done": Entry(_row("302 200 200 200 200 200")),
    "two_factor_setup": Entry(_row("302 403 403 200 200 200")),
    "two_factor_verify": Entry(_row("302 403 403 302 302 302")),  # no device yet: sent to setup
    # Staff only; no authenticator yet, so no two-factor step is owed before it.
    "two_factor_recovery_codes": Entry(_row("302 403 403 200 200 200")),
    "api:me": Entry(PATIENT_API),
    "api:today": Entry(PATIENT_API),
    "api:days": Entry(PATIENT_API),
    "api:sync": Entry(_row("403 400 400 403 403 403"), method="post"),  # empty batch: invalid
    # The patient's own diary entry; the other patient has none on that date.
    "api:diary": Entry(_row("403 200 404 403 403 403"), kwargs=_diary_of_patient),
    "api:push-subscriptions": Entry(_row("403 400 400 403 403 403"), method="post"),
    # The patient's own subscription (a fresh one per cell): the other patient cannot delete it.
    "api:push-subscription": Entry(
        _row("403 204 404 403 403 403"), method="delete", kwargs=_push_subscription_of_patient
    ),
    "api:me-export": Entry(PATIENT_API),
    "api:me-fhir": Entry(PATIENT_API),
    "api:careplan": Entry(PATIENT_API),
    # The signed-in patient's own times of day for medicines (no id in the URL).
    "api:me-dose-times": Entry(PATIENT_API),
    "api:time-zones": Entry(PATIENT_API),
    # The visit report, as the signed-in patient's own page (only ever their own: no id in the URL).
    "api:me-report": Entry(PATIENT_API),
    "api:reminders": Entry(PATIENT_API),
    # The patient's own reminder: the other patient cannot see or snooze it.
    "api:reminder": Entry(_row("403 200 404 403 403 403"), kwargs=_reminder_of_patient),
    "api:reminder-snooze": Entry(
        _row("403 200 404 403 403 403"), method="post", data={"minutes": 30}, kwargs=_reminder_of_patient
    ),
    # Each patient's own channel status and test reminder (no id in the URL: only ever their own).
    "api:reminder-channel": Entry(PATIENT_API, method="post"),
    "api:reminder-test": Entry(PATIENT_API, method="post"),
    "api:notifications": Entry(PATIENT_API),
    # No VAPID keys in the test settings: patients get a 404 "Web Push is not configured".
    "api:vapid-public-key": Entry(_row("403 404 404 403 403 403")),
    # An empty body: patients get the validation error, nothing is deleted.
    "api:me-delete": Entry(_row("403 400 400 403 403 403"), method="post"),
    "api:me-sign-out-everywhere": Entry(PATIENT_API, method="post"),
    # Signed-in users only: production's default (API_DOCS_PUBLIC off, set by the fixture below).
    "api-schema": Entry(_row("403 200 200 200 200 200")),
    "api-docs": Entry(_row("403 200 200 200 200 200")),
    # The clinicians' FHIR export, guarded as the admin: non-staff to its sign-in, another's patient a 404.
    "fhir:patient-everything": Entry(
        _row("302 302 302 200 404 200"), kwargs=lambda p: {"pk": p["patient"].pk}
    ),
    "csp-report": Entry(_row("204 204 204 204 204 204"), method="post", data={"csp-report": {}}),
    "serviceworker": Entry(PUBLIC),  # django-pwa's route, shadowed by frontend:serviceworker
    "manifest": Entry(PUBLIC),
    "offline": Entry(PUBLIC),
    # The app shell needs a signed-in user (it names their data); staff get a page pointing to /admin/.
    "frontend:home": Entry(_row("302 200 200 200 200 200")),
    "frontend:serviceworker": Entry(PUBLIC),
    # Operations (checklists/ops): public but empty. /healthz and /readyz answer everyone the same
    # statuses, times and ages, nothing of any patient (tests/ops/test_no_health_data_in_ops.py); a
    # patient or clinician gets no more than anyone. /readyz after a sweep is recorded (kwargs below).
    "healthz": Entry(PUBLIC),
    "readyz": Entry(PUBLIC, kwargs=lambda p: _sweep_recorded()),
    # /metrics without METRICS_TOKEN configured (the test settings) does not exist for anyone, signed
    # in or not; with one, only the bearer token opens it (tests/ops/test_metrics.py).
    "metrics": Entry(_row("404 404 404 404 404 404")),
}

ADMIN_VIEWS = ["changelist", "add", "change", "delete", "history"]


@dataclass
class AdminEntry:
    make: Callable  # (personas) -> an object of this model, owned by `patient` where that applies
    clinician: str  # statuses for ADMIN_VIEWS
    other_clinician: str
    superuser: str


def _closure(p):
    closure = AccountClosure.objects.create(patient_ref=999, display_name="Former Patient")
    closure.care_team.add(p["clinician"])
    return closure


def _attempt(model):
    common = {"user_agent": "t", "ip_address": "192.0.2.1", "username": "x@example.com", "path_info": "/"}
    if model is AccessAttempt:
        return lambda p: model.objects.create(
            get_data="", post_data="", http_accept="*/*", failures_since_start=1, **common
        )
    if model is AccessFailureLog:
        return lambda p: model.objects.create(http_accept="*/*", locked_out=False, **common)
    return lambda p: model.objects.create(http_accept="*/*", **common)


NO_ACCESS = "403 403 403 403 403"
ADMIN: dict[str, AdminEntry] = {
    "auth.group": AdminEntry(
        lambda p: Group.objects.get(name="Clinicians"), NO_ACCESS, NO_ACCESS, "200 200 200 200 200"
    ),
    "auth.user": AdminEntry(lambda p: p["patient"].user, NO_ACCESS, NO_ACCESS, "200 200 200 200 200"),
    "checklists.patient": AdminEntry(
        lambda p: p["patient"], "200 200 200 403 200", "200 200 404 404 404", "200 200 200 200 200"
    ),
    "checklists.assignment": AdminEntry(
        lambda p: assignment_create(patient=p["patient"], template=template_with_items(1), assigned_by=None),
        "200 200 200 200 200",
        "200 200 404 404 404",
        "200 200 200 200 200",
    ),
    "checklists.duefollowup": AdminEntry(
        lambda p: DueFollowUp.objects.get(
            pk=careplan_services.followup_create(
                patient=p["patient"], kind=FollowUpKind.FERRITIN_TSAT_LAB, due_date=p["patient"].local_today()
            ).pk
        ),
        "200 403 200 403 200",
        "200 403 404 404 404",
        "200 403 200 403 200",
    ),
    "checklists.checklisttemplate": AdminEntry(
        lambda p: template_with_items(1), "200 403 200 403 200", "200 403 200 403 200", "200 200 200 200 200"
    ),
    "checklists.accesslog": AdminEntry(
        lambda p: AccessLog.objects.create(action="view", patient=p["patient"]),
        NO_ACCESS,
        NO_ACCESS,
        "200 403 200 403 200",
    ),
    "checklists.accountclosure": AdminEntry(
        _closure, "200 403 200 403 200", "200 403 404 404 404", "200 403 200 200 200"
    ),
    # Only a superuser manages clinics (a lead clinician keeps their own: tests/admin/test_clinics.py).
    "checklists.clinic": AdminEntry(
        lambda p: Clinic.objects.create(name="Leeds"), NO_ACCESS, NO_ACCESS, "200 200 200 200 200"
    ),
    "axes.accessattempt": AdminEntry(_attempt(AccessAttempt), NO_ACCESS, NO_ACCESS, "200 403 200 200 200"),
    "axes.accesslog": AdminEntry(_attempt(AxesAccessLog), NO_ACCESS, NO_ACCESS, "200 403 200 200 200"),
    "axes.accessfailurelog": AdminEntry(
        _attempt(AccessFailureLog), NO_ACCESS, NO_ACCESS, "200 403 200 200 200"
    ),
    "otp_static.staticdevice": AdminEntry(
        lambda p: StaticDevice.objects.create(user=p["patient"].user, name="recovery codes"),
        NO_ACCESS,
        NO_ACCESS,
        "200 200 200 200 200",
    ),
    "otp_totp.totpdevice": AdminEntry(
        lambda p: TOTPDevice.objects.create(user=p["patient"].user, name="phone"),
        NO_ACCESS,
        NO_ACCESS,
        "200 200 200 200 200",
    ),
}

# The admin's pages beyond each model's five views above (a ModelAdmin's get_urls), by URL name.
ADMIN_STANDARD_VIEWS = ("changelist", "add", "change", "delete", "history")
_PATIENT_PAGE = _row("302 302 302 200 404 200")
ADMIN_PAGES: dict[str, Entry] = {
    "admin:auth_user_password_change": Entry(
        _row("302 302 302 403 403 200"), kwargs=lambda p: {"id": p["patient"].user.pk}
    ),
    "admin:otp_totp_totpdevice_config": Entry(
        _row("302 302 302 403 403 200"),
        kwargs=lambda p: {"pk": TOTPDevice.objects.create(user=p["patient"].user, name="phone").pk},
    ),
    "admin:otp_totp_totpdevice_qrcode": Entry(
        _row("302 302 302 403 403 200"),
        kwargs=lambda p: {"pk": TOTPDevice.objects.create(user=p["patient"].user, name="phone").pk},
    ),
    # Not one patient's page: every clinician may invite (the patients are put on their own care team).
    "admin:checklists_patient_invite_csv": Entry(_row("302 302 302 200 200 200")),
    "admin:checklists_patient_report": Entry(_PATIENT_PAGE, kwargs=lambda p: {"object_id": p["patient"].pk}),
    "admin:checklists_patient_lab_import": Entry(
        _PATIENT_PAGE, kwargs=lambda p: {"object_id": p["patient"].pk}
    ),
    # Every clinician's own worklist (only their own patients on it: tests/worklist/).
    "admin:checklists_patient_worklist": Entry(_row("302 302 302 200 200 200")),
    # "Mark reviewed" is a POST: a GET is refused, another clinician's patient is a 404 first.
    "admin:checklists_patient_worklist_review": Entry(
        _row("302 302 302 405 404 405"), kwargs=lambda p: {"object_id": p["patient"].pk}
    ),
}


def _url_names(patterns, namespace: str = "") -> Iterator[tuple[str, URLPattern]]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace == "admin":
                continue  # the admin is covered model by model below
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _url_names(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern):
            yield f"{namespace}{pattern.name}", pattern


def test_every_url_has_an_entry():
    names = {name for name, _pattern in _url_names(get_resolver().url_patterns)}
    assert names - set(URLS) == set(), "add these URLs to URLS with the expected status per persona"
    assert set(URLS) - names == set(), "these URLS entries no longer exist"


def test_every_admin_model_has_an_entry():
    registered = {model._meta.label_lower for model in admin.site._registry}
    assert registered - set(ADMIN) == set(), "add these admin models to ADMIN"
    assert set(ADMIN) - registered == set()


def test_every_admin_page_has_an_entry():
    names = set()
    for model, model_admin in admin.site._registry.items():
        prefix = f"{model._meta.app_label}_{model._meta.model_name}_"
        for pattern in model_admin.get_urls():
            if pattern.name and pattern.name.removeprefix(prefix) not in ADMIN_STANDARD_VIEWS:
                names.add(f"admin:{pattern.name}")
    assert names - set(ADMIN_PAGES) == set(), "add these admin pages to ADMIN_PAGES"
    assert set(ADMIN_PAGES) - names == set(), "these ADMIN_PAGES entries no longer exist"


@pytest.fixture(autouse=True)
def _production_api_docs(settings):
    """The matrix shows production's answers: the API docs are not public there (DEBUG=0)."""
    settings.API_DOCS_PUBLIC = False


@pytest.fixture
def personas(patient, other_patient, clinician, other_clinician, superuser) -> dict:
    return {
        "patient": patient,
        "other_patient": other_patient,
        "clinician": clinician,
        "other_clinician": other_clinician,
        "superuser": superuser,
    }


def _client(personas: dict, persona: str) -> Client:
    client = Client()
    if persona != "anonymous":
        person = personas[persona]
        client.force_login(getattr(person, "user", person))
    return client


@pytest.mark.parametrize("name", sorted(URLS))
def test_url_matrix(personas, name):
    entry = URLS[name]
    actual = {}
    for persona in PERSONAS:
        client = _client(personas, persona)
        kwargs = entry.kwargs(personas) if callable(entry.kwargs) else entry.kwargs
        url = reverse(name, kwargs=kwargs or None)
        if entry.method == "get":
            response = client.get(url)
        else:
            response = getattr(client, entry.method)(url, entry.data, content_type="application/json")
        actual[persona] = response.status_code
    assert actual == entry.expected


@pytest.mark.parametrize("name", sorted(ADMIN_PAGES))
def test_admin_page_matrix(personas, name):
    entry = ADMIN_PAGES[name]
    actual = {}
    for persona in PERSONAS:
        client = _client(personas, persona)
        kwargs = entry.kwargs(personas) if callable(entry.kwargs) else entry.kwargs
        actual[persona] = client.get(reverse(name, kwargs=kwargs)).status_code
    assert actual == entry.expected


@pytest.mark.parametrize("label", sorted(ADMIN))
def test_admin_matrix(personas, label):
    entry = ADMIN[label]
    obj = entry.make(personas)
    info = label.replace(".", "_")
    urls = {
        "changelist": reverse(f"admin:{info}_changelist"),
        "add": reverse(f"admin:{info}_add"),
        "change": reverse(f"admin:{info}_change", args=[obj.pk]),
        "delete": reverse(f"admin:{info}_delete", args=[obj.pk]),
        "history": reverse(f"admin:{info}_history", args=[obj.pk]),
    }
    expected = {
        persona: dict(zip(ADMIN_VIEWS, map(int, getattr(entry, persona).split()), strict=True))
        for persona in ("clinician", "other_clinician", "superuser")
    }
    for persona in ("anonymous", "patient", "other_patient"):
        expected[persona] = dict.fromkeys(ADMIN_VIEWS, 302)  # to the admin sign-in
    actual = {}
    for persona in PERSONAS:
        client = _client(personas, persona)
        actual[persona] = {view: client.get(url).status_code for view, url in urls.items()}
        if persona in ("anonymous", "patient"):
            assert client.get(urls["change"])["Location"].startswith(reverse("admin:login"))
    assert actual == expected


def test_every_unsafe_api_method_needs_the_csrf_token(personas):
    """Session writes without the CSRF token are refused, on every API endpoint and method."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(personas["patient"].user)
    checked = []
    for name, pattern in _url_names(get_resolver().url_patterns):
        view_class = getattr(pattern.callback, "cls", None)
        if not name.startswith("api:") or view_class is None:
            continue
        entry = URLS[name]
        kwargs = entry.kwargs(personas) if callable(entry.kwargs) else entry.kwargs
        url = reverse(name, kwargs=kwargs or None)
        for method in ("post", "put", "patch", "delete"):
            if hasattr(view_class, method):
                response = getattr(client, method)(url, {}, content_type="application/json")
                assert response.status_code == 403, (name, method, response.status_code)
                assert "CSRF" in response.json()["detail"], (name, method)
                checked.append((name, method))
    assert ("api:me-delete", "post") in checked and ("api:sync", "post") in checked


# -- a second clinic: its clinicians get nothing of the first clinic's ------------------------------
#
# Every persona above is of clinic A. Clinic B's lead clinician is even put on the care team of A's
# patients (however that came to be): on every URL, admin page and admin model they get what A's
# clinician who is not on the care team gets (other_clinician), and no changelist names A's patients.
# Where a lead clinician may do more (their clinic's templates and contact), the rows below say so.
SECOND_CLINIC_ADMIN = {
    # The default library: read-only, shown to every clinic; a lead may add their clinic's own.
    "checklists.checklisttemplate": "200 200 200 403 200",
    # Their own clinic only: clinic A's page is a 404, adding a clinic the superuser's.
    "checklists.clinic": "200 403 404 404 404",
}


@pytest.fixture
def two_clinics(personas) -> dict:
    clinic_a = Clinic.objects.create(name="Clinic A", contact_phone="+44 113 496 0000")
    clinic_b = Clinic.objects.create(name="Clinic B", contact_phone="+44 1904 000000")
    for persona in ("clinician", "other_clinician"):
        clinic_membership_set(user=personas[persona], clinic=clinic_a)
    Patient.objects.filter(pk__in=[personas["patient"].pk, personas["other_patient"].pk]).update(
        clinic=clinic_a
    )
    for persona in ("patient", "other_patient"):
        personas[persona].refresh_from_db()
    lead_b = ClinicianFactory.create(email="lead@clinic-b.example")
    clinic_membership_set(user=lead_b, clinic=clinic_b, is_lead=True)
    for persona in ("patient", "other_patient"):
        personas[persona].care_team.add(lead_b)
    return {**personas, "clinic_b_lead": lead_b, "clinic_a": clinic_a}


def _status(client: Client, entry: Entry, name: str, personas: dict) -> int:
    kwargs = entry.kwargs(personas) if callable(entry.kwargs) else entry.kwargs
    url = reverse(name, kwargs=kwargs or None)
    if entry.method == "get":
        return client.get(url).status_code
    return getattr(client, entry.method)(url, entry.data, content_type="application/json").status_code


@pytest.mark.parametrize("name", sorted(URLS))
def test_url_matrix_second_clinic(two_clinics, name):
    entry = URLS[name]
    client = _client(two_clinics, "clinic_b_lead")
    assert _status(client, entry, name, two_clinics) == entry.expected["other_clinician"]


@pytest.mark.parametrize("name", sorted(ADMIN_PAGES))
def test_admin_page_matrix_second_clinic(two_clinics, name):
    entry = ADMIN_PAGES[name]
    client = _client(two_clinics, "clinic_b_lead")
    assert _status(client, entry, name, two_clinics) == entry.expected["other_clinician"]


def _admin_statuses(client: Client, label: str, obj) -> tuple[dict[str, int], str]:
    info = label.replace(".", "_")
    urls = {view: reverse(f"admin:{info}_{view}", args=[obj.pk]) for view in ADMIN_VIEWS[2:]}
    urls = {"changelist": reverse(f"admin:{info}_changelist"), "add": reverse(f"admin:{info}_add"), **urls}
    responses = {view: client.get(url) for view, url in urls.items()}
    listing = responses["changelist"]
    return {
        view: r.status_code for view, r in responses.items()
    }, listing.text if listing.status_code == 200 else ""


@pytest.mark.parametrize("label", sorted(ADMIN))
def test_admin_matrix_second_clinic(two_clinics, label):
    entry = ADMIN[label]
    obj = entry.make(two_clinics)
    expected_row = SECOND_CLINIC_ADMIN.get(label, entry.other_clinician)
    actual, listing = _admin_statuses(_client(two_clinics, "clinic_b_lead"), label, obj)
    assert actual == dict(zip(ADMIN_VIEWS, map(int, expected_row.split()), strict=True))
    for persona in ("patient", "other_patient"):
        assert two_clinics[persona].user.email not in listing
    assert "Clinic A" not in listing


def test_another_clinics_templates_are_a_404_for_the_second_clinic(two_clinics):
    own = template_with_items(1, name="Clinic A evening routine", clinic=two_clinics["clinic_a"])
    actual, listing = _admin_statuses(
        _client(two_clinics, "clinic_b_lead"), "checklists.checklisttemplate", own
    )
    assert actual == {"changelist": 200, "add": 200, "change": 404, "delete": 404, "history": 404}
    assert own.name not in listing
    # clinic A's own clinician sees it (read-only: not a lead)
    actual, listing = _admin_statuses(_client(two_clinics, "clinician"), "checklists.checklisttemplate", own)
    assert actual == {"changelist": 200, "add": 403, "change": 200, "delete": 403, "history": 200}
    assert own.name in listing
