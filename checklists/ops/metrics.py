"""Prometheus metrics (prometheus-client) and the helpers the app records them with.

Several processes (gunicorn's workers, Celery's pool processes) each count their own: with
``PROMETHEUS_MULTIPROC_DIR`` set in their environment (the same directory on one host), each writes
its values to files there and ``/metrics`` adds them up (prometheus-client's multiprocess mode).
Without it (development, tests) the counts are this process's. The queue depth and the liveness
marks are read when scraped, not counted.

Labels never carry a raw path, an id or any patient's data: routes are URL pattern names.
"""

import os
from collections.abc import Iterator
from datetime import datetime

from prometheus_client import CollectorRegistry, Counter, Histogram, disable_created_metrics, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import REGISTRY, Collector

from checklists.ops import marks

# No "_created" series beside each counter and histogram: they double the output and say little here.
disable_created_metrics()

REQUEST_DURATION = Histogram(
    "rlscare_http_request_duration_seconds",
    "Time to answer a request, by URL pattern name, method and status.",
    ["route", "method", "status"],
)
# Slot to delivery: how late reminders reach the patient (the sweep's interval, the queue, retries).
REMINDER_LATENESS = Histogram(
    "rlscare_reminder_lateness_seconds",
    "Seconds from a reminder's slot to its delivery, by channel.",
    ["channel"],
    buckets=(1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 4 * 3600),
)
REMINDER_DELIVERIES = Counter(
    "rlscare_reminder_deliveries",
    "Reminder slots handled by a send task, by channel and outcome (sent, skipped, retry).",
    ["channel", "outcome"],
)
SWEEP_DURATION = Histogram(
    "rlscare_reminder_sweep_duration_seconds",
    "Time one reminder sweep took (claim, queue the send tasks, requeue lost ones).",
    buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
)
SYNC_OPS = Counter(
    "rlscare_sync_ops",
    "Offline sync ops received, by outcome (applied, duplicate, rejected).",
    ["outcome"],
)
PUSH_FAILURES = Counter(
    "rlscare_push_failures",
    "Web Push attempts that did not deliver, by the push service's HTTP status (or 'unreachable').",
    ["status"],
)

UNMATCHED_ROUTE = "<unmatched>"


def request_record(*, route: str, method: str, status: int, seconds: float) -> None:
    """Count one answered request."""
    REQUEST_DURATION.labels(route=route, method=method, status=str(status)).observe(seconds)


def delivery_record(*, channel: str, outcome: str, slot: datetime, at: datetime) -> None:
    """Count one send task's outcome; a sent slot's lateness goes in the histogram. A task that found
    nothing to send (outcome "none": another task had the slot) counts nothing."""
    if outcome == "none":
        return
    REMINDER_DELIVERIES.labels(channel=channel or "none", outcome=outcome).inc()
    if outcome == "sent":
        REMINDER_LATENESS.labels(channel=channel).observe(max(0.0, (at - slot).total_seconds()))


def sweep_record(*, seconds: float) -> None:
    """Count one finished reminder sweep."""
    SWEEP_DURATION.observe(seconds)


def sync_ops_record(result: object) -> None:
    """Count a sync batch's ops (a ``SyncResult``: applied, duplicates, rejected lists)."""
    for outcome, attribute in (("applied", "applied"), ("duplicate", "duplicates"), ("rejected", "rejected")):
        count = len(getattr(result, attribute, ()))
        if count:
            SYNC_OPS.labels(outcome=outcome).inc(count)


def push_failure_record(status: int | str) -> None:
    """Count a push that did not deliver: an HTTP status above 202, or "unreachable"."""
    if isinstance(status, str) or status > 202:
        PUSH_FAILURES.labels(status=str(status)).inc()


class ScrapeTimeCollector(Collector):
    """What is read when scraped: deliveries waiting to be sent, and the liveness marks."""

    def collect(self) -> Iterator[Metric]:
        from checklists.models.reminders import Delivery, DeliveryStatus

        # Through the partial index on pending/sending deliveries: a count, never a row's content.
        queued = Delivery.objects.filter(status__in=[DeliveryStatus.PENDING, DeliveryStatus.SENDING]).count()
        yield GaugeMetricFamily(
            "rlscare_reminder_deliveries_queued",
            "Reminder deliveries pending or being sent.",
            value=queued,
        )
        for name, documentation, at in (
            (
                "rlscare_reminder_last_sweep_timestamp_seconds",
                "When the last reminder sweep finished (Unix time).",
                marks.last_sweep_at(),
            ),
            (
                "rlscare_worker_last_heartbeat_timestamp_seconds",
                "The last heartbeat of any Celery worker (Unix time).",
                marks.last_heartbeat_at(),
            ),
        ):
            if at is not None:
                yield GaugeMetricFamily(name, documentation, value=at.timestamp())


def exposition() -> bytes:
    """Return every metric in Prometheus' text format: all processes' counts in multiprocess mode,
    else this process's, then the scrape-time gauges."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        counted = CollectorRegistry()
        MultiProcessCollector(counted)
    else:
        counted = REGISTRY
    scraped = CollectorRegistry()
    scraped.register(ScrapeTimeCollector())
    return generate_latest(counted) + generate_latest(scraped)
