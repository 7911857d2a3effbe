"""``manage.py liveness worker|beat``: exit 0 when the mark is fresh, 1 when stale or missing, for a
systemd watchdog or a Kubernetes exec probe."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from checklists.ops import health


class Command(BaseCommand):
    help = (
        "Exit 0 when the worker's heartbeat (worker) or the last reminder sweep (beat) is fresh, "
        "1 when stale or never recorded."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("process", choices=["worker", "beat"])
        parser.add_argument("--node", default="", help="one worker's name, e.g. celery@host (default: any)")

    def handle(self, *args: Any, process: str, node: str, **options: Any) -> None:
        now = timezone.now()
        if process == "worker":
            mark, what = health.worker_freshness(now=now, node=node), "heartbeat"
        else:
            mark, what = health.sweep_freshness(now=now), "last sweep"
        age = "never" if mark.age_seconds is None else f"{mark.age_seconds} s ago"
        line = f"{process} {'ok' if mark.fresh else 'stale'}: {what} {age} (max {mark.max_age_seconds} s)"
        if not mark.fresh:
            raise CommandError(line, returncode=1)
        self.stdout.write(line)
