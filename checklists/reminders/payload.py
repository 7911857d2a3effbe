"""The reminder's push payload: generic text and ids only, never health data."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.utils.translation import ngettext

PUSH_TITLE = "RLS Care"
TODAY_URL = "/#today"


def reminder_payload(
    *, slot: datetime, day: date, tasks: int, items: list[int], reminder_ids: list[int]
) -> dict:
    """Return the push payload the PWA's service worker shows: generic text and ids only."""
    body = ngettext("You have %(count)d care task due", "You have %(count)d care tasks due", tasks) % {
        "count": tasks
    }
    return {
        "title": PUSH_TITLE,
        "body": body,
        "tag": "rls-" + slot.astimezone(ZoneInfo("UTC")).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "url": TODAY_URL,
        "date": day.isoformat(),
        "items": sorted(items),
        "reminder_ids": sorted(reminder_ids),
    }
