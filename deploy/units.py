"""Read the systemd units under deploy/systemd/ the way systemd would start them.

The smoke run (bin/prod-smoke) starts the production processes from these commands, so the units and
what CI tests cannot drift apart. Only what the units use is supported: ``Environment=`` defaults, ``Nice=``,
``${VAR}`` / ``$VAR`` from the environment, the specifiers ``%i``, ``%H`` and ``%%``, and the install
root ``/opt/rlscare`` mapped onto a checkout.
"""

import re
import shlex
import socket
from collections.abc import Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
UNIT_DIR = ROOT / "deploy" / "systemd"
# Where the README installs the checkout (and its .venv); the units name their programs under it.
INSTALL_ROOT = "/opt/rlscare"


def unit_files() -> list[Path]:
    """Return every unit file of the recipe, sorted by name."""
    return sorted(p for p in UNIT_DIR.iterdir() if p.suffix in {".service", ".timer"})


def _values(unit: Path, key: str) -> list[str]:
    values = []
    section = ""
    for raw in unit.read_text().splitlines():
        line = raw.strip()
        if line.startswith("["):
            section = line
        elif section == "[Service]" and line.startswith(f"{key}="):
            values.append(line.split("=", 1)[1])
    return values


def unit_environment(unit: Path) -> dict[str, str]:
    """Return the ``Environment=`` assignments of ``unit`` (its defaults; the env file overrides them)."""
    env: dict[str, str] = {}
    for value in _values(unit, "Environment"):
        for word in shlex.split(value):
            name, _, val = word.partition("=")
            env[name] = val
    return env


def unit_nice(unit: Path) -> int:
    """Return the ``Nice=`` of ``unit`` (0 when it sets none)."""
    values = _values(unit, "Nice")
    return int(values[-1]) if values else 0


def _specifiers(text: str, instance: str) -> str:
    table = {"i": instance, "H": socket.gethostname(), "%": "%"}
    return re.sub(r"%(.)", lambda m: table.get(m.group(1), m.group(0)), text)


def _expand(word: str, environ: Mapping[str, str]) -> str:
    return re.sub(r"\$\{(\w+)\}|\$(\w+)", lambda m: environ.get(m.group(1) or m.group(2), ""), word)


def exec_start(
    unit: Path, *, environ: Mapping[str, str], instance: str = "1", root: Path = ROOT
) -> list[list[str]]:
    """Return the argv of each ``ExecStart=`` of ``unit`` as systemd would run it, with the install root
    mapped to ``root`` and variables taken from ``environ`` over the unit's own ``Environment=``."""
    env = {**unit_environment(unit), **environ}
    commands = []
    for value in _values(unit, "ExecStart"):
        argv = [_expand(_specifiers(w, instance), env) for w in shlex.split(value.lstrip("-@+!"))]
        argv = [str(root) + a[len(INSTALL_ROOT) :] if a.startswith(INSTALL_ROOT + "/") else a for a in argv]
        commands.append(argv)
    return commands
