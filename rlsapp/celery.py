"""The Celery application, configured from Django settings (keys prefixed CELERY_)."""

import logging
import os
from pathlib import Path
from typing import Any

from celery import Celery
from celery.concurrency import get_implementation
from celery.concurrency.prefork import TaskPool as PreforkPool
from celery.signals import task_postrun, task_prerun, worker_init
from django.conf import settings
from django.db import close_old_connections

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rlsapp.settings")
logger = logging.getLogger(__name__)

app = Celery("rlsapp")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# The folders kombu's filesystem transport reads and writes; it makes none of them itself.
FILESYSTEM_BROKER_FOLDERS = ("data_folder_in", "data_folder_out", "processed_folder", "control_folder")


@app.on_after_configure.connect
def filesystem_broker_folders_make(sender: Celery, source: Any, **kwargs: Any) -> None:
    """With the filesystem broker, make its folders when Celery first reads its configuration in a
    process (before a worker consumes or a web process queues a task); other brokers need none."""
    if not str(source.broker_url).startswith("filesystem://"):
        return
    options = source.broker_transport_options or {}
    for key in FILESYSTEM_BROKER_FOLDERS:
        if key in options:
            Path(options[key]).mkdir(parents=True, exist_ok=True)


@worker_init.connect
def keep_database_connections(**kwargs: Any) -> None:
    """In a worker, keep each database connection for WORKER_DB_CONN_MAX_AGE seconds: connecting to
    PostgreSQL costs more than a short send task. (Set before the pool starts, so it applies to every
    pool process or thread.)"""
    for database in settings.DATABASES.values():
        database["CONN_MAX_AGE"] = settings.WORKER_DB_CONN_MAX_AGE


@worker_init.connect
def time_limits_check(sender: Any, **kwargs: Any) -> None:
    """Warn when the worker's pool does not enforce CELERY_TASK_TIME_LIMIT and _SOFT_TIME_LIMIT: only
    prefork's pool processes can be interrupted or killed; the threads, solo, gevent and eventlet pools
    never are. A reminder send is bounded in every pool by REMINDER_PUSH_BUDGET_SECONDS plus one push's
    REMINDER_PUSH_CONNECT_TIMEOUT_SECONDS and REMINDER_PUSH_TIMEOUT_SECONDS."""
    pool = get_implementation(sender.pool_cls) if isinstance(sender.pool_cls, str) else sender.pool_cls
    if not (isinstance(pool, type) and issubclass(pool, PreforkPool)):
        logger.warning(
            "The %s pool does not enforce CELERY_TASK_TIME_LIMIT or CELERY_TASK_SOFT_TIME_LIMIT; "
            "reminder sends are still bounded by REMINDER_PUSH_BUDGET_SECONDS.",
            getattr(pool, "__module__", pool),
        )


@task_prerun.connect
@task_postrun.connect
def close_broken_or_old_connections(task: Any = None, **kwargs: Any) -> None:
    """Around each task, as Django does around each request: close a connection that broke or has
    outlived its CONN_MAX_AGE. (Celery's own fixup closes far less often: CELERY_DB_REUSE_MAX.)"""
    if task is not None and not getattr(task.request, "is_eager", False):
        close_old_connections()
