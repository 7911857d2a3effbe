"""Hostile input to the anonymous endpoints and the logs: the CSP report endpoint answers 204 for a
browser's report and a clean 400 for anything else, and no logged value can forge a log line."""

import json
import logging

import pytest

from checklists.security.logsafe import log_safe

CSP_URL = "/security/csp-report/"


def post_report(client, body: str | bytes, content_type: str = "application/csp-report"):
    return client.post(CSP_URL, body, content_type=content_type)


def our_records(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "rlscare.security"]


@pytest.mark.parametrize(
    "body",
    [
        {"csp-report": {"blocked-uri": "inline", "violated-directive": "script-src-elem"}},
        {"csp-report": {}},
        [{"type": "csp-violation", "body": {"blockedURL": "inline", "effectiveDirective": "img-src"}}],
    ],
)
def test_a_browsers_report_is_logged_with_204(client, caplog, body):
    with caplog.at_level("WARNING", logger="rlscare.security"):
        assert post_report(client, json.dumps(body)).status_code == 204
    assert len(our_records(caplog)) == 1


@pytest.mark.parametrize(
    "body",
    [
        '{"csp-report": "x"}',
        '{"csp-report": [1]}',
        '{"csp-report": null, "body": 5}',
        '[{"body": 5}]',
        '[{"body": {"blockedURL": "x"}}, {"body": "y"}]',
        "[1, 2]",
        '"just a string"',
        "42",
        "not json at all",
        "\xff\xfe",
        "[" * 10_000 + "]" * 10_000,
        '{"csp-report": {"blocked-uri": "' + "a" * 20_000 + '"}}',
    ],
    ids=lambda body: body[:24],
)
def test_anything_else_is_a_400_that_logs_nothing(client, caplog, body):
    with caplog.at_level("INFO", logger="rlscare.security"):
        response = post_report(client, body)
    assert response.status_code == 400
    assert our_records(caplog) == []


def test_a_report_larger_than_the_limit_is_not_read_whole(client, caplog):
    with caplog.at_level("INFO", logger="rlscare.security"):
        response = post_report(client, b"{" + b" " * 5_000_000 + b"}")
    assert response.status_code == 400
    assert our_records(caplog) == []


def test_a_newline_in_a_report_cannot_forge_a_log_line(client, caplog):
    forged = "https://evil.example/\n2026-12-01 10:00:00 WARNING rlscare.security: sign-in ok for admin"
    report = {"csp-report": {"blocked-uri": forged, "document-uri": "x\r\ny\u2028z\x1b[31m"}}
    with caplog.at_level("WARNING", logger="rlscare.security"):
        assert post_report(client, json.dumps(report)).status_code == 204
    (record,) = our_records(caplog)
    line = record.getMessage()
    assert "\n" not in line and "\r" not in line and "\u2028" not in line and "\x1b" not in line
    assert "https://evil.example/\\n2026-12-01" in line


@pytest.mark.parametrize(
    "value, shown",
    [
        ("plain text, é and 日本", "plain text, é and 日本"),
        ("a\nb", "a\\nb"),
        ("a\r\nb", "a\\r\\nb"),
        ("tab\there", "tab\\there"),
        ("\x00\x1b\x7f", "\\x00\\x1b\\x7f"),
        ("line\u2028sep\u2029para\x85", "line\\u2028sep\\u2029para\\x85"),
        ("lone \ud800", "lone \\ud800"),
        ("back\\slash", "back\\\\slash"),
        (None, "None"),
        (12, "12"),
    ],
)
def test_log_safe_escapes_what_could_forge_or_hide_a_line(value, shown):
    assert log_safe(value) == shown


def test_log_safe_shortens_long_values():
    assert len(log_safe("a" * 10_000)) < 600


@pytest.mark.django_db
def test_a_typed_sign_in_name_never_reaches_the_log_raw(client, caplog):
    """django-axes logs failed sign-ins; it masks the typed username, which must stay so."""
    with caplog.at_level("INFO"):
        client.post(
            "/accounts/login/",
            {"username": "x\nWARNING axes: AXES: Successful login by admin", "password": "nope"},
            REMOTE_ADDR="192.0.2.9",
        )
    lines = [r.getMessage() for r in caplog.records]
    assert any(r.name.startswith("axes") for r in caplog.records)
    assert all("Successful login by admin" not in line for line in lines)
