"""Real processes for the end-to-end reminder tests and the benchmark: a private redis-server, Celery
workers and the ``dispatch_reminders`` command, all sharing one database. Each is stopped by its owner."""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
CELERY = str(Path(PYTHON).with_name("celery"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def database_url() -> str:
    """Return a DATABASE_URL for the database this process is connected to (the test database)."""
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def wait_for(predicate, *, timeout: float, interval: float = 0.1, message: str = "condition") -> None:
    """Poll ``predicate`` until it is true; raise AssertionError naming ``message`` after ``timeout``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {message}")


class PrivateRedis:
    """A redis-server of our own on a free port, so stopping it affects no one else."""

    def __init__(self, port: int | None = None):
        self.port = port or free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> "PrivateRedis":
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for(self._ping, timeout=10, message="redis-server to start")
        return self

    def _ping(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self.process = None


class Worker:
    """A Celery worker subprocess (its own process group, so kill -9 takes its pool with it)."""

    def __init__(
        self,
        env: dict[str, str],
        *,
        concurrency: int = 1,
        pool: str = "prefork",
        name: str = "w1",
        log: Path | None = None,
    ):
        self.env, self.concurrency, self.pool, self.name, self.log = env, concurrency, pool, name, log
        self.process: subprocess.Popen | None = None

    def start(self) -> "Worker":
        out = open(self.log, "ab") if self.log else subprocess.DEVNULL  # noqa: SIM115 (closed in stop)
        self._out = out
        self.process = subprocess.Popen(
            [
                CELERY,
                "-A",
                "rlsapp",
                "worker",
                "--pool",
                self.pool,
                "--concurrency",
                str(self.concurrency),
                "--hostname",
                f"{self.name}@%h",
                "--loglevel",
                "WARNING",
                "--without-mingle",
                "--without-gossip",
                "--without-heartbeat",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        return self

    def kill9(self) -> None:
        """SIGKILL the worker and its pool at once: a crash, no chance to ack or clean up."""
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)
        self.process = None

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        self.process = None
        out = getattr(self, "_out", None)
        if self.log and out is not None and not isinstance(out, int):  # a log file, not DEVNULL
            out.close()


def dispatch_once(env: dict[str, str]) -> str:
    """Run ``manage.py dispatch_reminders --once`` with ``env``; returns its output."""
    done = subprocess.run(
        [PYTHON, "manage.py", "dispatch_reminders", "--once"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


class Dispatcher:
    """``manage.py dispatch_reminders`` running in a loop, as in production."""

    def __init__(self, env: dict[str, str], *, interval: float = 0.5):
        self.env, self.interval = env, interval
        self.process: subprocess.Popen | None = None

    def start(self) -> "Dispatcher":
        self.process = subprocess.Popen(
            [PYTHON, "manage.py", "dispatch_reminders", "--interval", str(self.interval)],
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        return self

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=15)
        self.process = None
