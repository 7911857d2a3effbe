"""The reminder's push payload: generic text and ids only, never health data."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils.translation import gettext, ngettext

TODAY_URL = "/#today"


def reminder_title() -> str:
    """Return what a lock screen shows as the reminder's title and an inbox as its subject and sender.

    The clinic's REMINDER_TITLE, else "Care reminder" in the active language: never the app's name,
    which names the condition (clinical content, Wording rules).
    """
    return settings.REMINDER_TITLE or gettext("Care reminder")


def reminder_payload(
    *,
    slot: datetime,
    day: date,
    tasks: int,
    items: list[int],
    reminder_ids: list[int],
    doses: list[dict] | None = None,
    repeat: bool = False,
) -> dict:
    """Return the push payload the PWA's service worker shows: generic text and ids only.

    ``doses`` are the due doses as {"medication": id, "date": "YYYY-MM-DD", "slot": "HH:MM"} (ids,
    never a name: the "Taken" action records them); ``repeat`` marks a "remind again" repeat."""
    body = ngettext("You have %(count)d care task due", "You have %(count)d care tasks due", tasks) % {
        "count": tasks
    }
    return {
        "title": reminder_title(),
        "body": body,
        "tag": "rls-" + slot.astimezone(ZoneInfo("UTC")).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "url": TODAY_URL,
        "date": day.isoformat(),
        "items": sorted(items),
        "reminder_ids": sorted(reminder_ids),
        "doses": sorted(doses or [], key=lambda d: (d["date"], d["slot"], d["medication"])),
        "repeat": repeat,
    }


TEST_TAG = "rls-test"
SETTINGS_URL = "/#settings"


def payload_for_test_reminder(*, day: date) -> dict:
    """Return the payload of a test reminder (Settings' "Send a test reminder"): neutral text, no ids."""
    return {
        "title": reminder_title(),
        "body": gettext("This is a test reminder"),
        "tag": TEST_TAG,
        "url": SETTINGS_URL,
        "date": day.isoformat(),
        "items": [],
        "reminder_ids": [],
        "doses": [],
        "repeat": False,
        "test": True,
    }
