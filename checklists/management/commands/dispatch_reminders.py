"""Run the reminder sweep in a loop (or once): the same work as the Celery beat entry."""

import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from checklists.tasks import sweep_and_enqueue


class Command(BaseCommand):
    help = "Claim due reminders, write their deliveries and queue the send tasks; loops unless --once."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="Run one sweep and exit.")
        parser.add_argument(
            "--interval",
            type=float,
            default=None,
            help="Seconds between sweeps (default: REMINDER_SWEEP_INTERVAL_SECONDS).",
        )

    def handle(self, *args: Any, once: bool = False, interval: float | None = None, **options: Any) -> None:
        interval = interval or settings.REMINDER_SWEEP_INTERVAL_SECONDS
        while True:
            result = sweep_and_enqueue()
            if result.claimed or result.requeued or once:
                self.stdout.write(
                    f"claimed {result.claimed} reminders, queued {result.queued} sends, "
                    f"requeued {result.requeued}" + (" (broker unavailable)" if result.enqueue_failed else "")
                )
            if once:
                return
            try:
                time.sleep(interval)
            except KeyboardInterrupt:
                return
