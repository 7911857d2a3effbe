"""The suite's error-log check (tests/conftest.py) fails a test that logs an error without opting in."""

import pytest

INNER_TESTS = """
import logging

import pytest


def test_swallows_an_error():
    logging.getLogger("checklists.reminders.push").error("push refused: %s", 503)


@pytest.mark.allow_error_logs
def test_expects_an_error():
    logging.getLogger("checklists.reminders.push").error("push refused: %s", 503)


def test_logs_a_warning():
    logging.getLogger("django.request").warning("Not Found: /nowhere")


def test_another_library_logs_an_error():
    logging.getLogger("urllib3.connectionpool").error("retrying")
"""


# The inner session runs in this process: its errors reach this test's own check too.
@pytest.mark.allow_error_logs
def test_an_error_logged_without_opting_in_fails_the_test(pytester):
    # The fixture and the marker's registration, exactly as the suite has them.
    pytester.makeconftest("from tests.conftest import _no_swallowed_error_logs, pytest_configure  # noqa")
    pytester.makepyfile(test_inner=INNER_TESTS)
    result = pytester.runpytest("-p", "no:django", "-p", "no:cacheprovider", "--strict-markers")
    result.assert_outcomes(passed=4, errors=1)
    result.stdout.fnmatch_lines(
        [
            "*ERROR at teardown of test_swallows_an_error*",
            "*mark the test @pytest.mark.allow_error_logs*",
            "*ERROR checklists.reminders.push: push refused: 503*",
        ]
    )
