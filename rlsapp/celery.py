"""The Celery application, configured from Django settings (keys prefixed CELERY_)."""

import os

from celery import Celery
from celery.signals import task_postrun, task_prerun, worker_init
from django.conf import settings
from django.db import close_old_connections

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rlsapp.settings")

app = Celery("rlsapp")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_init.connect
def keep_database_connections(**kwargs) -> None:
    """In a worker, keep each database connection for WORKER_DB_CONN_MAX_AGE seconds: connecting to
    PostgreSQL costs more than a short send task. (Set before the pool starts, so it applies to every
    pool process or thread.)"""
    for database in settings.DATABASES.values():
        database["CONN_MAX_AGE"] = settings.WORKER_DB_CONN_MAX_AGE


@task_prerun.connect
@task_postrun.connect
def close_broken_or_old_connections(task=None, **kwargs) -> None:
    """Around each task, as Django does around each request: close a connection that broke or has
    outlived its CONN_MAX_AGE. (Celery's own fixup closes far less often: CELERY_DB_REUSE_MAX.)"""
    if task is not None and not getattr(task.request, "is_eager", False):
        close_old_connections()
