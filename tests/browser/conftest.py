"""Browser-test fixtures: a real Chromium driven by Playwright, and a real server process to stop and start.

The app is served by `manage.py runserver --noreload` in a subprocess against a SQLite file made for the
session (the demo data from seed_demo), so a test can cut the network the most faithful way: by stopping
the server. Every process started here is stopped here.
"""

import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DEMO_PASSWORD = "rls-demo-2026"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--disable-dev-shm-usage",
]
NO_CHROMIUM = (
    "No Chromium found for the browser tests. Install Debian's (`apt-get install -y chromium`, as .ci/run "
    "does) or point CHROMIUM_PATH at a Chromium/Chrome binary. Browser tests never skip."
)


def find_chromium() -> str:
    """Return the path of a Chromium binary: $CHROMIUM_PATH, Debian's, or Playwright's own download."""
    candidates = [os.environ.get("CHROMIUM_PATH"), "/usr/bin/chromium", shutil.which("chromium")]
    for path in candidates:
        if path and os.access(path, os.X_OK):
            return path
    try:
        from playwright.sync_api import sync_playwright

        with sync_playwright() as p:
            path = p.chromium.executable_path
            if path and os.access(path, os.X_OK):
                return path
    except Exception:
        pass
    pytest.fail(NO_CHROMIUM, pytrace=False)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class AppServer:
    """runserver on a fixed port and a SQLite file; stop() cuts the network, start() restores it."""

    def __init__(self, workdir: Path):
        self.workdir = workdir
        self.db_path = workdir / "db.sqlite3"
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **{k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "CELERY_BROKER_URL"}},
            "DEBUG": "1",
            "RLS_VAR_DIR": str(workdir),
            "DATABASE_URL": f"sqlite:///{self.db_path}",
            "CELERY_BROKER_URL": "memory://",
            "PYTHONUNBUFFERED": "1",
            # The clinic's contact, shown with an overdue follow-up (tests/browser/test_careplan.py).
            "CLINIC_CONTACT_NAME": "Leeds Sleep Clinic",
            "CLINIC_CONTACT_PHONE": "+44 113 496 0000",
            "CLINIC_CONTACT_EMAIL": "sleep@clinic.example",
            "CLINIC_CONTACT_HOURS": "Mon-Fri 9:00-17:00",
        }
        self.process: subprocess.Popen | None = None
        self.log = open(workdir / "server.log", "ab")  # noqa: SIM115 (closed in close())

    def manage(self, *args: str) -> str:
        result = subprocess.run(
            [sys.executable, "manage.py", *args], cwd=ROOT, env=self.env, capture_output=True, text=True
        )
        if result.returncode:
            raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
        return result.stdout

    def start(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "manage.py", "runserver", f"127.0.0.1:{self.port}", "--noreload"],
            cwd=ROOT,
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"{self.url}/manifest.json", timeout=1)
                return
            except OSError:
                if self.process.poll() is not None:
                    raise RuntimeError(f"the server exited: see {self.workdir / 'server.log'}") from None
                time.sleep(0.2)
        raise RuntimeError("the server did not answer within 30 s")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def close(self) -> None:
        self.stop()
        self.log.close()

    def query(self, sql: str, params: tuple = ()) -> list[tuple]:
        """Run a read-only query on the server's database file."""
        with sqlite3.connect(f"file:{self.db_path}?mode=ro", uri=True) as connection:
            return connection.execute(sql, params).fetchall()


@pytest.fixture(scope="session")
def chromium_path() -> str:
    return find_chromium()


@pytest.fixture(scope="session")
def app_server(tmp_path_factory):
    server = AppServer(tmp_path_factory.mktemp("browser-server"))
    server.manage("migrate", "--noinput")
    server.manage("seed_demo")
    server.start()
    yield server
    server.close()


@pytest.fixture(scope="session")
def browser(chromium_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def new_context(browser, app_server):
    """Make phone-sized browser contexts (separate "devices"), closed after the test."""
    contexts = []

    def make(**options):
        # bypass_csp lets the tests inject axe-core and poll with wait_for_function once the server sends
        # a strict CSP; the CSP test turns it off to check the app itself under the policy.
        options = {
            "viewport": {"width": 360, "height": 740},
            "base_url": app_server.url,
            "bypass_csp": True,
            **options,
        }
        context = browser.new_context(**options)
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


def sign_in(page, email: str = "patient@example.com", password: str = DEMO_PASSWORD) -> None:
    """Sign in through the server-rendered form and wait until the app shell is controlled by the worker."""
    page.goto("/accounts/login/?next=/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/")
    wait_for_app(page)
    page.wait_for_function("navigator.serviceWorker.controller !== null", timeout=15_000)


def wait_for_app(page) -> None:
    """Wait until the app has started and its Today list (or a message) is drawn."""
    page.wait_for_function("window.rlsApp !== undefined")
    page.wait_for_selector("[data-testid=progress], main .muted")
