"""Parsing a sync batch: plain Python, not DRF serializers, because it runs for every op."""

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any
from uuid import UUID

from django.conf import settings
from django.utils.translation import gettext as _

from checklists.diary.rules import DIARY_NOTE_MAX_LENGTH, DIARY_SCALE_MAX
from checklists.models.intake import INTAKE_REASON_MAX_LENGTH, IntakeStatus

# Ids and cursors are database bigints.
MAX_ID = 2**63 - 1
# The dates a client may send: wide enough for any record, far enough from Python's calendar edges
# (0001-01-01, 9999-12-31) that a day's neighbours, a range of days and a UTC offset stay inside it.
EARLIEST_CLIENT_DATE = date(1900, 1, 1)
LATEST_CLIENT_DATE = date(2999, 12, 31)
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_TIME_RE = re.compile(r"^\d{2}:\d{2}(:\d{2})?$")
_SLOT_RE = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
# RFC 3339 date-time, which JSON Schema's "date-time" format means: seconds and an offset required.
_AT_RE = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")
_UUID_RE = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


@dataclass(frozen=True, slots=True)
class CheckoffOp:
    """Set an item's done state on a date."""

    op_id: UUID
    item: int
    date: date
    done: bool
    at: datetime

    @property
    def key(self) -> tuple:
        return ("checkoff", self.item, self.date)


@dataclass(frozen=True, slots=True)
class DiaryOp:
    """Write the whole diary entry of a date."""

    op_id: UUID
    date: date
    at: datetime
    entry: dict[str, Any]

    @property
    def key(self) -> tuple:
        return ("diary", self.date)


@dataclass(frozen=True, slots=True)
class IntakeOp:
    """Record a dose of a medicine on a date: a dose time (``slot``) taken or skipped, or an extra dose.

    Each extra dose is its own record, so its key is its op id: extras never supersede each other.
    """

    op_id: UUID
    medication: int
    date: date
    slot: time | None
    status: str
    at: datetime
    reason: str = ""

    @property
    def key(self) -> tuple:
        if self.slot is None:
            return ("intake", self.medication, self.date, None, self.op_id)
        return ("intake", self.medication, self.date, self.slot)


Op = CheckoffOp | DiaryOp | IntakeOp


@dataclass(slots=True)
class Batch:
    """A parsed, well-formed request: the ops in the order sent and the client's cursor."""

    ops: list[Op]
    since: int | None


class BatchError(Exception):
    """The batch as a whole is malformed; ``detail`` says what, ``errors`` says where."""

    def __init__(self, detail: str, errors: dict[str, list[str]], **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = errors
        self.extra = extra

    def as_response(self) -> dict[str, Any]:
        """Return the 400 body: ``{"detail": ..., "errors": {path: [messages]}, ...}``."""
        return {"detail": self.detail, "errors": self.errors, **self.extra}


def client_date_range_message() -> str:
    """Return the message for a date outside [EARLIEST_CLIENT_DATE, LATEST_CLIENT_DATE]."""
    return _("Enter a date from %(first)s to %(last)s.") % {
        "first": EARLIEST_CLIENT_DATE.isoformat(),
        "last": LATEST_CLIENT_DATE.isoformat(),
    }


def is_client_date(day: date) -> bool:
    """Return True when ``day`` is within the dates a client may send."""
    return EARLIEST_CLIENT_DATE <= day <= LATEST_CLIENT_DATE


def _parse_date(value: Any) -> date:
    if not isinstance(value, str) or not _DATE_RE.match(value):
        raise ValueError(_("Enter a date as YYYY-MM-DD."))
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise ValueError(_("%(value)s is not a calendar date.") % {"value": value}) from None
    if not is_client_date(day):
        raise ValueError(client_date_range_message())
    return day


def _parse_at(value: Any) -> datetime:
    message = _("Enter the client time as ISO-8601 with an offset, e.g. 2026-05-01T21:30:00+02:00.")
    if not isinstance(value, str) or len(value) > 64 or not _AT_RE.match(value):
        raise ValueError(message)
    try:
        parsed = datetime.fromisoformat(value.upper())
    except ValueError:
        raise ValueError(message) from None
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise ValueError(message)
    try:
        return parsed.astimezone(UTC)
    except OverflowError:  # e.g. 0001-01-01T00:00:00+14:00 is before the first day of the calendar
        raise ValueError(_("This time is outside the calendar once converted to UTC.")) from None


def _parse_scale(value: Any, *, required: bool) -> int | None:
    if value is None and not required:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= DIARY_SCALE_MAX:
        raise ValueError(_("Enter a whole number from 0 to %(max)d.") % {"max": DIARY_SCALE_MAX})
    return value


def _storable(text: str) -> bool:
    """Return False for text no database column can hold: NUL characters or lone surrogates."""
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _parse_entry(value: Any, errors: dict[str, list[str]], path: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        errors[path] = [_("A diary op needs an 'entry' object.")]
        return {}
    entry: dict[str, Any] = {}
    try:
        entry["severity"] = _parse_scale(value.get("severity"), required=True)
    except ValueError as exc:
        errors[f"{path}.severity"] = [str(exc)]
    try:
        entry["sleep_quality"] = _parse_scale(value.get("sleep_quality"), required=False)
    except ValueError as exc:
        errors[f"{path}.sleep_quality"] = [str(exc)]
    onset = value.get("onset_time")
    if onset is None:
        entry["onset_time"] = None
    elif isinstance(onset, str) and _TIME_RE.match(onset):
        try:
            entry["onset_time"] = time.fromisoformat(onset)
        except ValueError:
            errors[f"{path}.onset_time"] = [_("Enter a time as HH:MM.")]
    else:
        errors[f"{path}.onset_time"] = [_("Enter a time as HH:MM.")]
    arms = value.get("arms_involved", False)
    if isinstance(arms, bool):
        entry["arms_involved"] = arms
    else:
        errors[f"{path}.arms_involved"] = [_("Must be true or false.")]
    note = value.get("note", "")
    if isinstance(note, str) and len(note) <= DIARY_NOTE_MAX_LENGTH and _storable(note):
        entry["note"] = note
    else:
        errors[f"{path}.note"] = [
            _("Enter text of at most %(max)d characters.") % {"max": DIARY_NOTE_MAX_LENGTH}
        ]
    return entry


def _parse_intake(
    raw: dict[str, Any], values: dict[str, Any], errors: dict[str, list[str]], path: str
) -> None:
    """Read an intake op's medication, slot, status and reason into ``values``, or name the problems."""
    medication = raw.get("medication")
    if "medication" not in raw:
        errors[f"{path}.medication"] = [_("This field is required.")]
    elif isinstance(medication, bool) or not isinstance(medication, int) or not 1 <= medication <= MAX_ID:
        errors[f"{path}.medication"] = [_("Enter a medication id (a positive whole number).")]
    else:
        values["medication"] = medication
    status = raw.get("status")
    if status not in IntakeStatus.values:
        errors[f"{path}.status"] = [_("Must be 'taken', 'skipped' or 'extra'.")]
        return
    values["status"] = status
    if "slot" not in raw:
        errors[f"{path}.slot"] = [_("This field is required (null for an extra dose).")]
    elif status == IntakeStatus.EXTRA:
        if raw["slot"] is not None:
            errors[f"{path}.slot"] = [_("An extra dose has no dose time: send null.")]
        else:
            values["slot"] = None
    elif not isinstance(raw["slot"], str) or not _SLOT_RE.match(raw["slot"]):
        errors[f"{path}.slot"] = [_("Enter the dose time as HH:MM.")]
    else:
        values["slot"] = time.fromisoformat(raw["slot"])
    reason = raw.get("reason")
    if reason is None or reason == "":
        values["reason"] = ""
    elif status != IntakeStatus.SKIPPED:
        errors[f"{path}.reason"] = [_("Only a skipped dose carries a reason.")]
    elif not isinstance(reason, str) or len(reason) > INTAKE_REASON_MAX_LENGTH or not _storable(reason):
        errors[f"{path}.reason"] = [
            _("Enter text of at most %(max)d characters.") % {"max": INTAKE_REASON_MAX_LENGTH}
        ]
    else:
        values["reason"] = reason


def _parse_checkoff_fast(raw: Any) -> CheckoffOp | None:
    """Return the well-formed check-off op ``raw`` describes, or None to take the slow, explaining path.

    Check-offs are nearly every op of a batch; this accepts exactly what _parse_op accepts.
    """
    try:
        op_id, item, day, done, at = raw["op_id"], raw["item"], raw["date"], raw["done"], raw["at"]
    except (KeyError, TypeError):
        return None
    if (
        type(op_id) is str
        and type(item) is int
        and 1 <= item <= MAX_ID
        and type(done) is bool
        and type(day) is str
        and type(at) is str
        and len(at) <= 64
        and _UUID_RE.match(op_id)
        and _DATE_RE.match(day)
        and _AT_RE.match(at)
    ):
        try:
            parsed_at, parsed_day = datetime.fromisoformat(at.upper()), date.fromisoformat(day)
        except ValueError:
            return None
        if is_client_date(parsed_day) and date.min < parsed_at.date() < date.max:
            return CheckoffOp(UUID(op_id), item, parsed_day, done, parsed_at.astimezone(UTC))
    return None


def _parse_op(raw: Any, index: int, errors: dict[str, list[str]]) -> Op | None:
    if type(raw) is dict and raw.get("kind") == "checkoff":
        op = _parse_checkoff_fast(raw)
        if op is not None:
            return op
    path = f"ops[{index}]"
    if not isinstance(raw, dict):
        errors[path] = [_("Each op must be an object.")]
        return None
    before = len(errors)
    values: dict[str, Any] = {}

    def take(name: str, parse: Callable[[Any], Any]) -> None:
        if name not in raw:
            errors[f"{path}.{name}"] = [_("This field is required.")]
            return
        try:
            values[name] = parse(raw[name])
        except ValueError as exc:
            errors[f"{path}.{name}"] = [str(exc)]

    def parse_uuid(value: Any) -> UUID:
        try:
            if not isinstance(value, str) or not _UUID_RE.match(value):
                raise ValueError
            return UUID(value)
        except ValueError:
            raise ValueError(_("Enter a UUID.")) from None

    def parse_item(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_ID:
            raise ValueError(_("Enter an item id (a positive whole number)."))
        return value

    def parse_done(value: Any) -> bool:
        if not isinstance(value, bool):
            raise ValueError(_("Must be true or false."))
        return value

    take("op_id", parse_uuid)
    take("date", _parse_date)
    take("at", _parse_at)
    kind = raw.get("kind")
    if kind == "checkoff":
        take("item", parse_item)
        take("done", parse_done)
    elif kind == "diary":
        values["entry"] = _parse_entry(raw.get("entry"), errors, f"{path}.entry")
    elif kind == "intake":
        _parse_intake(raw, values, errors, path)
    else:
        errors[f"{path}.kind"] = [_("Must be 'checkoff', 'diary' or 'intake'.")]
    if len(errors) > before:
        return None
    if kind == "checkoff":
        return CheckoffOp(**values)
    if kind == "intake":
        return IntakeOp(**values)
    return DiaryOp(**values)


def parse_batch(data: Any) -> Batch:
    """Return the parsed batch, or raise BatchError naming every problem (or the size limit)."""
    limit = settings.API_SYNC_MAX_OPS
    if not isinstance(data, dict):
        raise BatchError(
            _("The body must be a JSON object with 'ops' and 'since'."),
            {"body": [_("Expected a JSON object.")]},
        )
    errors: dict[str, list[str]] = {}
    ops_raw = data.get("ops")
    since = data.get("since")
    if "since" not in data:
        errors["since"] = [_("Required: the cursor of your last sync, or null for everything.")]
    elif since is not None and (
        isinstance(since, bool) or not isinstance(since, int) or not 0 <= since <= MAX_ID
    ):
        errors["since"] = [_("Must be null or a cursor (a whole number) from an earlier response.")]
    if not isinstance(ops_raw, list):
        errors["ops"] = [_("Must be a list of ops.")]
        raise BatchError(_("Malformed batch: %(where)s.") % {"where": ", ".join(errors)}, errors)
    if len(ops_raw) > limit:
        message = _("A batch may hold at most %(limit)d ops; this one has %(count)d. Send it in parts.") % {
            "limit": limit,
            "count": len(ops_raw),
        }
        raise BatchError(message, {"ops": [message]}, limit=limit)
    ops = [_parse_op(raw, index, errors) for index, raw in enumerate(ops_raw)]
    if errors:
        where = ", ".join(list(errors)[:5]) + (", ..." if len(errors) > 5 else "")
        raise BatchError(_("Malformed batch: %(where)s.") % {"where": where}, errors)
    return Batch(ops=ops, since=since)  # type: ignore[arg-type]
