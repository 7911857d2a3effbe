"""Settings → Account → Change password, on a phone-sized screen in a real Chromium."""

import pytest

from tests.browser.conftest import DEMO_PASSWORD, sign_in

pytestmark = pytest.mark.browser

CHANGER = "changing.patient@example.com"
NEW_PASSWORD = "legs-at-rest-2026"
CREATE_CHANGER = f"""
from checklists.accounts.services import patient_create
patient = patient_create(email="{CHANGER}", time_zone="Europe/Berlin", invite=False)
patient.user.set_password("{DEMO_PASSWORD}")
patient.user.save()
"""


def test_change_password_from_settings_keeps_this_phone_signed_in(new_context, app_server):
    app_server.manage("shell", "-c", CREATE_CHANGER)
    laptop = new_context().new_page()
    sign_in(laptop, CHANGER)
    phone = new_context().new_page()
    sign_in(phone, CHANGER)
    phone.goto("/#settings")
    phone.get_by_role("link", name="Change password").click()
    phone.wait_for_url("**/accounts/password_change/")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360  # no sideways scrolling
    phone.get_by_label("Old password").fill(DEMO_PASSWORD)
    phone.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    phone.get_by_label("New password confirmation").fill(NEW_PASSWORD)
    phone.get_by_role("button", name="Change password").click()
    phone.wait_for_url("**/accounts/password_change/done/")
    phone.get_by_role("link", name="Back to RLS Care").click()
    phone.wait_for_url("**/#settings")
    assert phone.evaluate("fetch('/api/v1/me/').then(r => r.status)") == 200
    assert laptop.evaluate("fetch('/api/v1/me/').then(r => r.status)") == 403
