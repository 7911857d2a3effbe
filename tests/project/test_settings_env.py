import pytest
from django.core.exceptions import ImproperlyConfigured

from rlsapp.env import env_bool, env_int, env_list, env_str, env_url


@pytest.mark.parametrize(("raw", "expected"), [("1", True), ("TRUE", True), ("off", False), ("0", False)])
def test_env_bool_reads_common_spellings(raw, expected):
    assert env_bool("DEBUG", not expected, environ={"DEBUG": raw}) is expected


def test_env_bool_rejects_nonsense_naming_the_variable():
    with pytest.raises(ImproperlyConfigured, match=r"DEBUG must be one of .*'maybe'"):
        env_bool("DEBUG", True, environ={"DEBUG": "maybe"})


def test_env_int_rejects_non_numbers_and_out_of_range():
    with pytest.raises(ImproperlyConfigured, match="EMAIL_PORT must be a whole number"):
        env_int("EMAIL_PORT", 25, environ={"EMAIL_PORT": "twenty"})
    with pytest.raises(ImproperlyConfigured, match="EMAIL_PORT must be at most 65535"):
        env_int("EMAIL_PORT", 25, maximum=65535, environ={"EMAIL_PORT": "70000"})
    assert env_int("EMAIL_PORT", 25, environ={}) == 25


def test_env_str_required_rejects_empty():
    with pytest.raises(ImproperlyConfigured, match="SECRET_KEY must be set"):
        env_str("SECRET_KEY", required=True, environ={"SECRET_KEY": "  "})


def test_env_list_splits_and_strips():
    assert env_list("ALLOWED_HOSTS", [], environ={"ALLOWED_HOSTS": " a.example , ,b.example"}) == [
        "a.example",
        "b.example",
    ]


def test_env_url_checks_the_scheme():
    with pytest.raises(
        ImproperlyConfigured, match=r"DATABASE_URL must be a URL starting with one of postgres://"
    ):
        env_url("DATABASE_URL", "sqlite:///x", schemes=("postgres",), environ={"DATABASE_URL": "mysql://db"})
    assert env_url("DATABASE_URL", "postgres://d", schemes=("postgres",), environ={}) == "postgres://d"


def test_settings_refuse_to_start_without_secret_key_in_production(tmp_path):
    import subprocess
    import sys

    env = {"DEBUG": "0", "PATH": "", "RLS_VAR_DIR": str(tmp_path)}
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='rlsapp.settings'; django.setup()",
        ],
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_server_side_cursors_can_be_turned_off_for_a_transaction_pooler(tmp_path):
    import subprocess
    import sys

    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='rlsapp.settings'; django.setup(); "
        "from django.conf import settings; "
        "print(settings.DATABASES['default']['DISABLE_SERVER_SIDE_CURSORS'])"
    )
    env = {
        "DEBUG": "1",
        "PATH": "",
        "RLS_VAR_DIR": str(tmp_path),
        "DATABASE_URL": "postgres://u@db.invalid/x",
    }
    printed = [
        subprocess.run(
            [sys.executable, "-c", code], env={**env, **extra}, capture_output=True, text=True, check=True
        ).stdout.strip()
        for extra in ({}, {"DB_DISABLE_SERVER_SIDE_CURSORS": "1"})
    ]
    assert printed == ["False", "True"]
