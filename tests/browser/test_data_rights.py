"""Settings → Your data: download everything, sign out elsewhere, delete the account, in a real Chromium."""

import io
import json
import zipfile

import pytest

from tests.browser.conftest import DEMO_PASSWORD, sign_in
from tests.browser.helpers import wait_synced

pytestmark = pytest.mark.browser

LEAVER = "leaving.patient@example.com"
CREATE_LEAVER = f"""
from checklists.accounts.services import patient_create
from checklists.models import ChecklistTemplate
from checklists.plan.services import assignment_create
patient = patient_create(email="{LEAVER}", time_zone="Europe/Berlin", invite=False)
patient.user.set_password("{DEMO_PASSWORD}")
patient.user.save()
assignment_create(
    patient=patient, template=ChecklistTemplate.objects.get(name="Trigger avoidance"), assigned_by=None
)
"""


def user_count(app_server, email: str) -> int:
    return app_server.query("SELECT COUNT(*) FROM auth_user WHERE username = ?", (email,))[0][0]


def test_download_my_data_then_delete_my_account(new_context, app_server):
    app_server.manage("shell", "-c", CREATE_LEAVER)
    page = new_context().new_page()
    sign_in(page, LEAVER)
    wait_synced(page)
    user_key = page.evaluate("document.body.dataset.userKey")
    page.goto("/#settings")

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download my data").click()
    archive = zipfile.ZipFile(io.BytesIO(download_info.value.path().read_bytes()))
    data = json.loads(archive.read("data.json"))
    assert LEAVER in json.dumps(data)
    assert any(name.endswith(".csv") for name in archive.namelist())

    page.get_by_role("button", name="Delete my account…").click()  # the form is behind a step
    page.get_by_label("Your password").fill("not-my-password")
    page.get_by_label("I understand that this cannot be undone.").check()
    page.get_by_role("button", name="Delete my account").click()
    page.get_by_text("That password is not right.").wait_for()
    assert user_count(app_server, LEAVER) == 1

    page.get_by_label("Your password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Delete my account").click()
    page.wait_for_url("**/accounts/login/?deleted=1")
    page.get_by_text("Your account and its data have been deleted.").wait_for()

    assert user_count(app_server, LEAVER) == 0
    databases = page.evaluate("async () => (await indexedDB.databases()).map(d => d.name)")
    assert f"rls-{user_key}" not in databases


def test_sign_out_everywhere_ends_the_other_phones_session(new_context, app_server):
    phone, laptop = new_context().new_page(), new_context().new_page()
    sign_in(phone, "patient2@example.com")
    sign_in(laptop, "patient2@example.com")

    phone.goto("/#settings")
    phone.get_by_role("button", name="Sign out everywhere else").click()
    phone.get_by_text("Signed out of 1 other session.").wait_for()

    assert laptop.request.get("/api/v1/me/").status == 403
    assert phone.request.get("/api/v1/me/").status == 200
