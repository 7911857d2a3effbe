"""Export access-log entries to CSV: `manage.py accesslog_export --before 2026-01-01 --output old.csv`."""

import sys
from datetime import UTC, datetime, time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils.dateparse import parse_date

from checklists.models import AccessLog
from checklists.security.audit import accesslog_write_csv


class Command(BaseCommand):
    help = "Write access-log entries (optionally only those before/since a date, UTC) as CSV."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--before", help="only entries before this date (YYYY-MM-DD)")
        parser.add_argument("--since", help="only entries on or after this date (YYYY-MM-DD)")
        parser.add_argument("--output", "-o", help="file to write (default: standard output)")

    def handle(
        self,
        *args: Any,
        before: str | None = None,
        since: str | None = None,
        output: str | None = None,
        **options: Any,
    ) -> None:
        queryset = AccessLog.objects.all()
        if before:
            queryset = queryset.filter(at__lt=self._start_of(before))
        if since:
            queryset = queryset.filter(at__gte=self._start_of(since))
        if output:
            with open(output, "w", newline="", encoding="utf-8") as out:
                count = accesslog_write_csv(queryset=queryset, out=out)
        else:
            count = accesslog_write_csv(queryset=queryset, out=sys.stdout)
        self.stderr.write(f"{count} access-log entries exported.")

    @staticmethod
    def _start_of(value: str) -> datetime:
        day = parse_date(value)
        if day is None:
            raise SystemExit(f"Not a date (YYYY-MM-DD): {value!r}")
        return datetime.combine(day, time.min, tzinfo=UTC)
