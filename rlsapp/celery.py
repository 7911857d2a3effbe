"""The Celery application, configured from Django settings (keys prefixed CELERY_)."""

import os
from pathlib import Path
from typing import Any

from celery import Celery
from celery.signals import task_postrun, task_prerun, worker_init
from django.conf import settings
from django.db import close_old_connections

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rlsapp.settings")

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


@task_prerun.connect
@task_postrun.connect
def close_broken_or_old_connections(task: Any = None, **kwargs: Any) -> None:
    """Around each task, as Django does around each request: close a connection that broke or has
    outlived its CONN_MAX_AGE. (Celery's own fixup closes far less often: CELERY_DB_REUSE_MAX.)"""
    if task is not None and not getattr(task.request, "is_eager", False):
        close_old_connections()
