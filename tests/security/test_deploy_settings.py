"""Production settings: `check --deploy` is clean with the README's variables; cookies are locked down."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# Exactly the variables README "Security and privacy" lists for production.
PRODUCTION_ENV = {
    "DEBUG": "0",
    "SECRET_KEY": "x" * 20 + "-a-long-random-production-secret-key-" + "y" * 20,
    "ALLOWED_HOSTS": "care.example.org",
    "SECURE_PROXY_SSL_HEADER": "1",
    "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
    "EMAIL_HOST": "smtp.example.org",
    "SITE_URL": "https://care.example.org",
}


def _run(*args: str, extra: dict[str, str]) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECURE_HSTS_SECONDS"}}
    env.update(extra)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_check_deploy_is_clean_with_the_documented_production_settings():
    result = _run("check", "--deploy", "--fail-level", "WARNING", extra=PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_complains_without_the_production_settings():
    """The test above can fail: with DEBUG on, check --deploy does report problems."""
    result = _run("check", "--deploy", "--fail-level", "WARNING", extra={"DEBUG": "1"})
    assert result.returncode != 0
    assert "security.W018" in result.stderr  # DEBUG on in deployment


def test_production_settings_values():
    result = _run(
        "shell",
        "--no-imports",
        "-c",
        "from django.conf import settings as s; print(s.SECURE_PROXY_SSL_HEADER, s.SESSION_COOKIE_SECURE, "
        "s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS, s.REQUIRE_CLINICIAN_2FA, "
        "s.PASSWORD_HASHERS[0].rsplit('.', 1)[1], s.API_DOCS_PUBLIC)",
        extra=PRODUCTION_ENV,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "('HTTP_X_FORWARDED_PROTO',",
        "'https')",
        "True",
        "True",
        "31536000",
        "True",
        "Argon2PasswordHasher",
        "False",
    ]


@pytest.mark.parametrize(
    "weak_key",
    [
        "short-but-varied-key-0123456789",  # under 50 characters
        "ab" * 30,  # long, but only two distinct characters
        "django-insecure-" + "k3y-from-startproject-abcdefghijklmnopqrstuvwxyz",
    ],
)
def test_a_weak_secret_key_stops_production_from_starting(weak_key):
    result = _run("check", extra={**PRODUCTION_ENV, "SECRET_KEY": weak_key})
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "SECRET_KEY must be at least 50 characters" in result.stderr
    assert weak_key not in result.stderr  # the message never shows the secret


def test_a_weak_secret_key_still_runs_a_development_install():
    result = _run("check", extra={"DEBUG": "1", "SECRET_KEY": "short"})
    assert result.returncode == 0, result.stderr


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/api/schema/", "/api/docs/"])
def test_api_schema_and_docs_need_a_signed_in_user_unless_public(client, patient, settings, url):
    settings.API_DOCS_PUBLIC = False  # the production default (DEBUG=0)
    assert client.get(url).status_code == 403
    client.force_login(patient.user)
    assert client.get(url).status_code == 200
    client.logout()
    settings.API_DOCS_PUBLIC = True
    assert client.get(url).status_code == 200


@pytest.mark.django_db
def test_session_and_csrf_cookies_are_httponly_samesite_and_secure_when_configured(client, patient, settings):
    settings.SESSION_COOKIE_SECURE = True
    settings.CSRF_COOKIE_SECURE = True
    client.get("/accounts/login/")
    csrf = client.cookies["csrftoken"]
    # Readable by the PWA's script (it sends X-CSRFToken); the session cookie is the one script never sees.
    assert not csrf["httponly"] and csrf["secure"] and csrf["samesite"] == "Lax"
    response = client.post(
        "/accounts/login/", {"username": "pat@example.com", "password": "correct-horse-battery-staple"}
    )
    assert response.status_code == 302
    session = response.cookies[settings.SESSION_COOKIE_NAME]
    assert session["httponly"] and session["secure"] and session["samesite"] == "Lax"
    assert int(session["max-age"]) == settings.SESSION_COOKIE_AGE


@pytest.mark.django_db
def test_security_headers_on_a_page(client):
    response = client.get("/accounts/login/")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "style-src 'self'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "report-uri /security/csp-report/" in csp
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.django_db
def test_passwords_are_hashed_with_argon2(patient, settings):
    import rlsapp.settings as project_settings

    settings.PASSWORD_HASHERS = project_settings.PASSWORD_HASHERS  # conftest swaps in a fast hasher
    patient.user.set_password("a-new-long-password")
    assert patient.user.password.startswith("argon2$")
    assert patient.user.check_password("a-new-long-password")


def test_csp_report_endpoint_logs_the_violation(client, caplog):
    report = {
        "csp-report": {
            "document-uri": "https://care.example.org/",
            "violated-directive": "script-src-elem",
            "blocked-uri": "inline",
        }
    }
    with caplog.at_level("WARNING", logger="rlscare.security"):
        response = client.post(
            "/security/csp-report/", json.dumps(report), content_type="application/csp-report"
        )
    assert response.status_code == 204
    assert "CSP violation: directive=script-src-elem blocked=inline" in caplog.text
