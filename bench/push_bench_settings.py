"""The settings of the Celery workers that bench/push_bench.py starts: the reminders bench's (the app's,
with the fake push service on 127.0.0.1 allowed), plus a CPU account of each send task's parts.

Each worker process adds up the CPU time (``time.process_time``) of the encryption
(``push.encrypt``), of the push phase (``send.push_to_patients``: encryption, HTTP/2 and its one
subscriptions query) and of the whole send task body (``reminders_send_slots`` as the task calls
it), and writes the sums to PUSH_BENCH_PROFILE_DIR/<pid>.json after each task.
"""

import json
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from celery.signals import task_postrun, task_prerun

from rlsapp.settings import *  # noqa: F403 (the app's settings, as bench/reminders_bench_settings.py)

PUSH_ALLOW_LOCAL_ENDPOINTS = True  # the fake push service on 127.0.0.1 (see reminders_bench_settings)

_totals = {"tasks": 0, "encryption": 0.0, "push": 0.0, "send": 0.0}


def _timed(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        started = time.process_time()
        try:
            return function(*args, **kwargs)
        finally:
            _totals[name] += time.process_time() - started

    return wrapper


@task_prerun.connect
def _account(**kwargs: Any) -> None:
    """Wrap the timed functions once per process, at its first task."""
    from checklists import tasks
    from checklists.reminders import push, send

    if not getattr(send, "_bench_timed", False):
        push.encrypt = _timed("encryption", push.encrypt)
        send.push_to_patients = _timed("push", send.push_to_patients)
        tasks.reminders_send_slots = _timed("send", tasks.reminders_send_slots)
        send._bench_timed = True  # type: ignore[attr-defined]


@task_postrun.connect
def _write(**kwargs: Any) -> None:
    """Write this process's sums after each task."""
    _totals["tasks"] += 1
    folder = Path(os.environ["PUSH_BENCH_PROFILE_DIR"])
    (folder / f"{os.getpid()}.json").write_text(json.dumps(_totals))
