"""gunicorn's hooks for prometheus-client's multiprocess mode: ``gunicorn -c
python:checklists.ops.gunicorn_conf rlsapp.wsgi ...`` (other options on the command line)."""

import os
from typing import Any


def child_exit(server: Any, worker: Any) -> None:
    """A gunicorn worker exited: its live gauges stop counting (its counters stay summed)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
