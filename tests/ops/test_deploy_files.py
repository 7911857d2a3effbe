"""The deployment recipe under deploy/ matches the app: the environment file lists every variable the
settings read, each systemd unit starts a command that exists, and exactly one unit runs Celery beat.

The production process set itself (bin/prod-smoke) and the restore drill (bin/restore-drill) run in CI
after the PostgreSQL test run, not here: they start real processes and take a minute.
"""

import ast
import re
import shlex
from pathlib import Path

import pytest

from deploy.units import INSTALL_ROOT, exec_start, unit_files

ROOT = Path(__file__).resolve().parents[2]
SETTINGS = ROOT / "rlsapp" / "settings.py"
ENV_EXAMPLE = ROOT / "deploy" / "env.example"

pytestmark = pytest.mark.services

READERS = {"env_bool", "env_int", "env_str", "env_list", "env_url", "getenv"}


def _reader_name(call: ast.Call) -> str | None:
    func = call.func
    if isinstance(func, ast.Name) and func.id in READERS:
        return func.id
    if isinstance(func, ast.Attribute) and func.attr in READERS | {"get"}:
        # os.getenv("X"), os.environ.get("X")
        owner = func.value
        if func.attr == "get" and not (isinstance(owner, ast.Attribute) and owner.attr == "environ"):
            return None
        return func.attr
    return None


def _fstring_values(node: ast.JoinedStr, loops: dict[str, tuple[str, ...]]) -> list[str]:
    """Every value an f-string takes when its names run over the constant tuples of its comprehension."""
    names = sorted({n.id for n in ast.walk(node) if isinstance(n, ast.Name)})
    assert all(name in loops for name in names), f"cannot expand {ast.unparse(node)}"
    combos: list[dict[str, str]] = [{}]
    for name in names:
        combos = [{**combo, name: value} for combo in combos for value in loops[name]]
    results = []
    code = compile(ast.Expression(node), "<settings f-string>", "eval")
    for combo in combos:
        results.append(eval(code, {"__builtins__": {}}, combo))
    return results


def settings_variables() -> set[str]:
    """The names of all environment variables rlsapp/settings.py reads (parsed, not imported)."""
    tree = ast.parse(SETTINGS.read_text())
    loops: dict[str, tuple[str, ...]] = {}
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.comprehension)
            and isinstance(node.target, ast.Name)
            and isinstance(node.iter, ast.Tuple | ast.List)
            and all(isinstance(e, ast.Constant) and isinstance(e.value, str) for e in node.iter.elts)
        ):
            loops[node.target.id] = tuple(str(e.value) for e in node.iter.elts if isinstance(e, ast.Constant))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and _reader_name(node) and node.args:
            first = node.args[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                names.add(first.value)
            elif isinstance(first, ast.JoinedStr):
                names.update(_fstring_values(first, loops))
    return names


def env_example_variables() -> set[str]:
    """Variables deploy/env.example sets or shows commented out (``NAME=...`` or ``# NAME=...``)."""
    pattern = re.compile(r"^#?\s?([A-Z][A-Z0-9_]*)=", re.MULTILINE)
    return set(pattern.findall(ENV_EXAMPLE.read_text()))


def test_the_settings_parser_finds_plain_and_generated_names():
    names = settings_variables()
    assert {"DEBUG", "SECRET_KEY", "DATABASE_URL", "CELERY_BROKER_URL", "CACHE_URL"} <= names
    # Made in a dict comprehension from f"CLINIC_CONTACT_{key.upper()}".
    assert {"CLINIC_CONTACT_NAME", "CLINIC_CONTACT_PHONE", "CLINIC_CONTACT_EMAIL"} <= names


def test_env_example_lists_every_variable_the_settings_read():
    missing = sorted(settings_variables() - env_example_variables())
    assert not missing, f"deploy/env.example does not list: {', '.join(missing)}"


def test_every_variable_in_env_example_has_a_comment_above_it():
    lines = ENV_EXAMPLE.read_text().splitlines()
    uncommented = []
    for n, line in enumerate(lines):
        match = re.match(r"^([A-Z][A-Z0-9_]*)=", line)
        if match:
            # The nearest non-variable line above is a comment (a group of variables shares one).
            k = n - 1
            while k >= 0 and re.match(r"^#?\s?[A-Z][A-Z0-9_]*=", lines[k]):
                k -= 1
            if k < 0 or not lines[k].startswith("#"):
                uncommented.append(match.group(1))
    assert not uncommented, f"variables without a comment: {uncommented}"


def test_each_unit_starts_a_command_that_exists():
    units = unit_files()
    assert {u.name for u in units} >= {
        "rlscare-web.service",
        "rlscare-worker@.service",
        "rlscare-beat.service",
    }
    for unit in units:
        if unit.suffix != ".service":
            continue
        for argv in exec_start(unit, environ={}):
            program = Path(argv[0])
            assert program.is_file(), f"{unit.name}: {shlex.join(argv)}: no {program}"
            if program.name == "python" or program.name.startswith("python"):
                assert (ROOT / argv[1]).exists() or argv[1] == "-m"


def test_unit_commands_live_under_the_install_root():
    """The smoke run maps INSTALL_ROOT onto this checkout: a unit with another path would not be tested."""
    for unit in unit_files():
        for line in unit.read_text().splitlines():
            if line.startswith(("ExecStart=", "ExecStartPre=", "ExecReload=")):
                program = line.split("=", 1)[1].lstrip("-@+!").split()[0]
                assert program.startswith((INSTALL_ROOT + "/", "/bin/", "/usr/bin/")), line


def test_exactly_one_unit_runs_celery_beat_and_it_is_not_a_template():
    beats = [
        unit
        for unit in unit_files()
        if unit.suffix == ".service" and any("beat" in argv[1:4] for argv in exec_start(unit, environ={}))
    ]
    assert [u.name for u in beats] == ["rlscare-beat.service"]
    # No worker embeds a beat either (celery worker --beat / -B).
    for unit in unit_files():
        for argv in exec_start(unit, environ={}) if unit.suffix == ".service" else []:
            if "worker" in argv:
                assert "--beat" not in argv and "-B" not in argv, unit.name


def test_the_backup_timer_starts_the_backup_service():
    timer = ROOT / "deploy" / "systemd" / "rlscare-backup.timer"
    text = timer.read_text()
    assert "OnCalendar=" in text and "Persistent=true" in text
    assert (ROOT / "deploy" / "systemd" / "rlscare-backup.service").is_file()


def test_the_smoke_run_overrides_every_host_path_the_units_default_to(tmp_path):
    """bin/prod-smoke runs the units' commands on this machine: a unit default pointing at the production
    host's folders (/var/lib/rlscare, /run/rlscare) must be replaced by the smoke run's own."""
    import argparse

    from deploy.smoke import production_env
    from deploy.units import unit_environment

    args = argparse.Namespace(database_url="postgres://x/y", broker_url="redis://x", cache_url="redis://x")
    smoke = production_env(args, tmp_path, 8000)
    for unit in unit_files():
        if unit.suffix != ".service":
            continue
        for name, value in unit_environment(unit).items():
            if value.startswith(("/var/lib/rlscare", "/run/rlscare")):
                assert name in smoke and smoke[name].startswith(str(tmp_path)), (unit.name, name)
