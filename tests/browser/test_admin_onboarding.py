"""The CSV invite (upload, preview, confirm) and the recovery-code page in a real Chromium, under the
strict CSP: what a clinic nurse clicks through, with no policy violation on any page."""

import pytest
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from checklists.accounts.services import clinicians_group_sync
from checklists.models import Patient
from tests.factories import ClinicianFactory, template_with_items
from tests.security.test_csp_browser import Visitor, browser  # noqa: F401 (a fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CSV = (
    b"email,name,time_zone,checklists\n"
    b"nora@example.com,Nora Night,Europe/Berlin,Evening routine\n"
    b"bad-email,=HYPERLINK(1),,\n"
)


def test_a_clinician_invites_a_list_and_makes_recovery_codes(browser, live_server, settings):  # noqa: F811
    settings.REQUIRE_CLINICIAN_2FA = False
    clinicians_group_sync()
    clinician = ClinicianFactory.create(email="alice.clinician@example.com")
    template_with_items(1, name="Evening routine")
    device = TOTPDevice.objects.create(user=clinician, name="authenticator", confirmed=True)
    nurse = Visitor(browser, live_server.url)
    nurse.sign_in("/admin/login/", clinician.email)
    nurse.visit(reverse("admin:index"))  # an enrolled clinician is asked for the app's code first
    nurse.page.fill("input[name=token]", f"{totp(device.bin_key, step=device.step, t0=device.t0):06d}")
    nurse.page.click("[type=submit]")
    nurse.page.wait_for_load_state("networkidle")

    nurse.visit(reverse("admin:checklists_patient_changelist"))
    nurse.page.click("text=Invite from a CSV file")
    nurse.page.set_input_files(
        "input[type=file]", files=[{"name": "patients.csv", "mimeType": "text/csv", "buffer": CSV}]
    )
    nurse.page.click("input[type=submit][value=Preview]")
    nurse.page.wait_for_load_state("networkidle")
    preview = nurse.page.inner_text("#invite-preview")
    assert "nora@example.com" in preview and "not an email address" in preview and "formula" in preview
    assert not Patient.objects.filter(user__email="nora@example.com").exists()

    nurse.page.click("input[name=confirm]")
    nurse.page.wait_for_load_state("networkidle")
    assert "1 patient invited." in nurse.page.content()
    assert Patient.objects.get(user__email="nora@example.com").care_team.get() == clinician

    nurse.page.click("text=Two-factor and recovery codes")
    nurse.page.wait_for_load_state("networkidle")
    nurse.page.click("input[type=submit]")
    nurse.page.wait_for_load_state("networkidle")
    assert nurse.page.locator("#recovery-codes li").count() == 10

    assert nurse.problems == [] and nurse.reports == [], "\n".join(nurse.problems + nurse.reports)
    nurse.context.close()
