"""Celery's side: the worker's heartbeat mark, the task id on every log line of a task, and Django's
LOGGING kept in workers and beat (Celery would otherwise replace the root logger's handlers with
its own plain-text ones)."""

from typing import Any

from celery.signals import heartbeat_sent, setup_logging, task_postrun, task_prerun, worker_ready
from django.utils import timezone

from checklists.ops import marks
from checklists.ops.logs import task_id_var

_task_tokens: dict[str, Any] = {}


@setup_logging.connect
def keep_django_logging(**kwargs: Any) -> None:
    """Receiving this signal tells Celery not to configure logging: LOGGING (JSON in production)
    applies to the worker and beat as to the web, at LOG_LEVEL."""


@worker_ready.connect
@heartbeat_sent.connect
def worker_heartbeat(sender: Any = None, **kwargs: Any) -> None:
    """Mark this worker alive: when it is ready, then at each of its event heartbeats (every 2 s by
    default; the consumer's timer sends them, so a worker whose consumer hangs goes stale)."""
    node = getattr(getattr(sender, "eventer", None), "hostname", None) or getattr(sender, "hostname", "")
    marks.worker_heartbeat_mark(at=timezone.now(), node=str(node or ""))


@task_prerun.connect
def task_log_context(task_id: str | None = None, **kwargs: Any) -> None:
    """Every log line of the task carries its id."""
    if task_id:
        _task_tokens[task_id] = task_id_var.set(task_id)


@task_postrun.connect
def task_log_context_end(task_id: str | None = None, **kwargs: Any) -> None:
    token = _task_tokens.pop(task_id or "", None)
    if token is not None:
        task_id_var.reset(token)
