"""Settings → Your next appointment: the patient writes their questions and opens the report with them."""

import pytest

from tests.browser.conftest import sign_in
from tests.browser.helpers import wait_synced

pytestmark = pytest.mark.browser


def test_questions_written_in_settings_are_on_the_report(new_context):
    page = new_context().new_page()
    sign_in(page)
    wait_synced(page)
    page.goto("/#settings")
    page.get_by_label("Your questions for the visit").fill("Should I see a vein specialist?")
    page.locator("#visit-questions-form").get_by_role("button", name="Save").click()
    page.locator("#visit-questions-form").get_by_text("Saved.").wait_for()

    with page.context.expect_page() as opened:
        page.get_by_role("link", name="Report for my appointment").click()
    report = opened.value
    report.wait_for_load_state()
    assert report.get_by_role("heading", name="The patient's questions for this visit").is_visible()
    assert report.get_by_text("Should I see a vein specialist?").is_visible()
