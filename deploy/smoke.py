"""Smoke run of the production process set, started from the systemd units' own commands.

Runs the first-run steps (migrate, collectstatic, check --deploy), then starts gunicorn, one Celery
worker and the one beat exactly as deploy/systemd/*.service do (their ExecStart, read by deploy.units),
waits for /readyz, makes a patient with a reminder due now and waits for the real beat sweep and the
worker to deliver it (the Delivery row sent, the in-app notification written, the email in the file
backend; push is off: no VAPID keys), checks the logs hold no ERROR and no patient's email, then stops
every process with SIGTERM as systemd does and checks each exits cleanly.

Usage (CI runs it after the PostgreSQL test run):
    bin/prod-smoke --database-url postgres://postgres@127.0.0.1:5432/test \
        --broker-url redis://127.0.0.1:6379/0 --cache-url redis://127.0.0.1:6379/3
Exit status 0 when everything above held; the output says which step failed otherwise.
"""

import argparse
import contextlib
import http.client
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from deploy.units import UNIT_DIR, exec_start  # noqa: E402

PYTHON = str(ROOT / ".venv" / "bin" / "python")
HOST = "127.0.0.1"
SWEEP_SECONDS = 2  # the beat interval for this run, so the reminder goes within seconds
READY_TIMEOUT = 90
DELIVERY_TIMEOUT = 60


STARTED = time.monotonic()


def step(message: str) -> None:
    print(f"[prod-smoke {time.monotonic() - STARTED:5.1f} s] {message}", flush=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def production_env(args: argparse.Namespace, work: Path, port: int) -> dict[str, str]:
    """The environment file of a production host, with this run's database, Redis and folders."""
    for folder in ("var", "static", "mail", "metrics"):
        (work / folder).mkdir(parents=True, exist_ok=True)
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", str(work)),
        "LANG": "C.UTF-8",
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": f"{HOST},localhost",
        "SITE_URL": f"https://localhost:{port}",
        "DATABASE_URL": args.database_url,
        "DB_CONN_MAX_AGE": "600",
        "CACHE_URL": args.cache_url,
        "CELERY_BROKER_URL": args.broker_url,
        "RLS_VAR_DIR": str(work / "var"),
        "STATIC_ROOT": str(work / "static"),
        "SECURE_PROXY_SSL_HEADER": "1",
        "TRUSTED_PROXY_COUNT": "1",
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(work / "mail"),
        "METRICS_TOKEN": secrets.token_urlsafe(24),
        "PROMETHEUS_MULTIPROC_DIR": str(work / "metrics"),
        "XDG_CACHE_HOME": str(work / "var" / "cache"),
        "REMINDER_SWEEP_INTERVAL_SECONDS": str(SWEEP_SECONDS),
        "GUNICORN_BIND": f"{HOST}:{port}",
        "GUNICORN_WORKERS": "2",
        "CELERY_WORKER_CONCURRENCY": "2",
    }


def manage(env: dict[str, str], *argv: str) -> str:
    done = subprocess.run(
        [PYTHON, "manage.py", *argv], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    if done.returncode != 0:
        raise SystemExit(f"[prod-smoke] FAILED: manage.py {' '.join(argv)}\n{done.stdout}\n{done.stderr}")
    return done.stdout + done.stderr


class Unit:
    """One systemd unit's ExecStart, running as a process group of its own (as systemd's cgroup)."""

    def __init__(self, name: str, env: dict[str, str], work: Path):
        path = UNIT_DIR / name
        commands = exec_start(path, environ=env)
        assert len(commands) == 1, f"{name}: expected one ExecStart"
        from deploy.units import unit_environment, unit_nice

        self.name, self.argv = name, commands[0]
        self.nice = unit_nice(path)

        self.env = {**unit_environment(path), **env}
        self.log = work / f"{name}.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> "Unit":
        step(f"start {self.name}: {' '.join(self.argv)}")
        with open(self.log, "wb") as out:
            self.process = subprocess.Popen(
                self.argv,
                cwd=ROOT,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=(lambda: os.nice(self.nice)) if self.nice else None,  # systemd's Nice=
            )
        return self

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self, timeout: float = 40) -> int | None:
        """SIGTERM the main process (systemd's KillMode=mixed), then wait; SIGKILL the group after timeout."""
        if self.process is None:
            return None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
                return -9
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)  # leftovers of the group, as systemd's mixed mode
        return self.process.returncode


def get(port: int, path: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    """GET through "the proxy": Host in ALLOWED_HOSTS and X-Forwarded-Proto: https, as nginx sends them."""
    conn = http.client.HTTPConnection(HOST, port, timeout=10)
    try:
        conn.request(
            "GET", path, headers={"Host": "localhost", "X-Forwarded-Proto": "https", **(headers or {})}
        )
        response = conn.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        conn.close()


def wait_for(predicate: Callable[[], bool], timeout: float, what: str, units: list[Unit]) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for unit in units:
            if not unit.alive():
                raise SystemExit(f"[prod-smoke] FAILED: {unit.name} exited while waiting for {what}")
        try:
            if predicate():
                return
        except OSError:
            pass
        time.sleep(0.5)
    raise SystemExit(f"[prod-smoke] FAILED: timed out after {timeout:.0f} s waiting for {what}")


def deliver_one_reminder(units: list[Unit], mail_dir: Path) -> str:
    """Make a patient with a reminder due now; wait for the sweep and the worker to deliver it."""
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from checklists.models import Patient
    from checklists.models.reminders import Delivery, Notification, Reminder
    from checklists.reminders.services import reminder_create

    email = f"prod-smoke-{secrets.token_hex(4)}@example.invalid"
    user = get_user_model().objects.create_user(username=email, email=email)
    patient = Patient.objects.create(user=user, time_zone="Europe/Berlin")
    reminder = reminder_create(patient=patient, kind="medication", local_time=timezone.now().time())
    Reminder.objects.filter(pk=reminder.pk).update(next_fire_at=timezone.now() - timedelta(seconds=1))
    step(f"patient {patient.pk} has reminder {reminder.pk} due now; waiting for beat's sweep and the worker")

    def delivered() -> bool:
        return Delivery.objects.filter(reminder=reminder, status="sent").exists()

    started = time.monotonic()
    wait_for(delivered, DELIVERY_TIMEOUT, "the reminder's delivery", units)
    delivery = Delivery.objects.get(reminder=reminder, status="sent")
    notification = Notification.objects.filter(patient=patient, slot=delivery.slot).first()
    assert notification is not None, "no in-app notification for the delivered slot"
    mails = [p for p in mail_dir.iterdir() if email in p.read_text(errors="replace")]
    assert delivery.channel == "email" and mails, (
        f"channel {delivery.channel!r}, {len(mails)} email(s) to the patient"
    )
    step(
        f"delivered in {time.monotonic() - started:.1f} s: Delivery {delivery.pk} sent by "
        f"{delivery.channel}, notification {notification.pk} {notification.title!r}, "
        f"{len(mails)} email file(s)"
    )
    return email


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", ""))
    parser.add_argument("--broker-url", default=os.environ.get("CELERY_BROKER_URL", ""))
    parser.add_argument("--cache-url", default=os.environ.get("CACHE_URL", ""))
    parser.add_argument("--keep", action="store_true", help="keep the work folder (logs) for inspection")
    args = parser.parse_args()
    for name in ("database_url", "broker_url", "cache_url"):
        value = getattr(args, name)
        if not value.startswith(("postgres", "redis", "rediss")):
            parser.error(
                f"--{name.replace('_', '-')} must be a PostgreSQL or Redis URL (production's), got {value!r}"
            )

    began = time.monotonic()
    work = Path(tempfile.mkdtemp(prefix="rls-prod-smoke-"))
    port = free_port()
    env = production_env(args, work, port)
    os.environ.update(env)
    os.environ["DJANGO_SETTINGS_MODULE"] = "rlsapp.settings"

    step("first run: migrate and collectstatic (side by side), check --deploy")
    collect = subprocess.Popen(
        [PYTHON, "manage.py", "collectstatic", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
    )
    manage(env, "migrate", "--noinput")
    if collect.wait(timeout=300) != 0:
        raise SystemExit("[prod-smoke] FAILED: manage.py collectstatic")
    # The production mailer is SMTP; this run writes emails to files instead, which check --deploy
    # rightly calls development-only (mail.E001), so the check sees the SMTP backend.
    smtp = {
        **env,
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "smtp.example.org",
    }
    print(manage(smtp, "check", "--deploy").strip())

    units = [
        Unit("rlscare-web.service", env, work),
        Unit("rlscare-worker@.service", env, work),
        Unit("rlscare-beat.service", env, work),
    ]
    failed = False
    patient_email = ""
    try:
        for unit in units:
            unit.start()
        wait_for(lambda: get(port, "/healthz")[0] == 200, READY_TIMEOUT, "/healthz", units)
        # Ready needs the database, the cache, every migration, and a sweep by beat and a worker.
        wait_for(lambda: get(port, "/readyz")[0] == 200, READY_TIMEOUT, "/readyz 200", units)
        step(f"/readyz: {json.loads(get(port, '/readyz')[2])}")
        status, headers, _ = get(port, "/serviceworker.js")
        assert status == 200 and "no-cache" in headers.get("cache-control", ""), (status, headers)
        step(f"/serviceworker.js: 200, Cache-Control {headers['cache-control']!r}")
        patient_email = deliver_one_reminder(units, work / "mail")
    except (AssertionError, SystemExit) as error:
        failed = True
        print(f"[prod-smoke] FAILED: {error}", flush=True)
    finally:
        for unit in reversed(units):  # beat first, then the worker, then the web tier
            code = unit.stop()
            step(f"stopped {unit.name}: exit status {code}")
            if code not in (0, None):
                failed = True

    for unit in units:
        text = unit.log.read_text(errors="replace")
        bad = [line for line in text.splitlines() if '"level": "ERROR"' in line or " ERROR " in line]
        bad += [line for line in text.splitlines() if "Traceback" in line]
        if patient_email and patient_email in text:
            bad.append(f"the patient's email appears in {unit.name}'s log")
        if bad or failed:
            print(f"---- {unit.name} log (last 40 lines) ----\n" + "\n".join(text.splitlines()[-40:]))
        if bad:
            failed = True
            print(f"[prod-smoke] FAILED: {unit.name} logged: {bad[:3]}")
    if not args.keep:
        subprocess.run(["rm", "-rf", str(work)], check=False)
    step(f"{'FAILED' if failed else 'ok'} in {time.monotonic() - began:.0f} s")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
