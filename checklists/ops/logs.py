"""Log lines: JSON in production (one event per line), readable text when debugging.

Each record gets ``request_id``, ``user_id`` and ``task_id`` from the request or Celery task being
handled (context variables, so threads and tasks never mix them up). A user is named by their
numeric id only: never a name, an email or a health value. Values from a request still go through
``checklists.security.logsafe.log_safe`` where they are logged; JSON escapes what is left.
"""

import logging
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.json import JsonFormatter

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)
user_id_var: ContextVar[int | None] = ContextVar("user_id", default=None)
task_id_var: ContextVar[str | None] = ContextVar("task_id", default=None)

# Record attributes never written to a JSON line (besides the logging module's own): the request
# object Django's request logger passes (its repr quotes the path with its ids), runserver's time.
_NOT_LOGGED = ("request", "server_time")


class ContextFilter(logging.Filter):
    """Adds request_id, user_id and task_id to every record (None outside a request or task)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        record.user_id = user_id_var.get()
        record.task_id = task_id_var.get()
        return True


class JsonLinesFormatter(JsonFormatter):
    """python-json-logger's formatter with our keys: timestamp (ISO 8601, UTC), level, logger,
    message, request_id, user_id, task_id, then the record's own extra fields."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("rename_fields", {"levelname": "level", "name": "logger"})
        kwargs.setdefault("reserved_attrs", [*RESERVED_ATTRS, *_NOT_LOGGED])
        super().__init__(
            "{levelname}{name}{message}{request_id}{user_id}{task_id}",
            *args,
            style="{",
            **kwargs,
        )

    def add_fields(self, log_data: dict[str, Any], record: logging.LogRecord, message_dict: dict) -> None:
        log_data["timestamp"] = datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds")
        super().add_fields(log_data, record, message_dict)
