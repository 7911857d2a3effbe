"""The offline-sync engine behind ``POST /api/v1/sync/``.

A phone records changes while offline as *ops* (a check-off set or cleared, a diary entry written)
and sends them in batches whenever it can. The engine guarantees that the final state depends only
on the set of ops, never on the order, the batching or the number of deliveries:

- an op id the server has accepted before is a duplicate and changes nothing;
- per key ((item, date) for check-offs, date for diary entries) the op with the greatest
  ``(at, op_id)`` wins: the latest client time, ties broken by the larger op id;
- an op the patient may not make (someone else's item, a date outside the checklist's window, a date
  after the patient's local tomorrow) is rejected with reasons, and the rest of the batch applies.

A batch costs a constant number of queries whatever its size (one read per table, bulk upserts) and
is applied atomically. Parsing is plain Python, not DRF serializers, because it runs for every op.
"""

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from uuid import UUID

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from checklists import bulk, selectors, services
from checklists.models import AssignmentItem, CheckOff, DiaryEntry, Patient, SyncOp

# Diary fields an op carries, with the same bounds as the DiaryEntry model.
DIARY_SCALE_MAX = 10
DIARY_NOTE_MAX_LENGTH = 2000
# Ids and cursors are database bigints.
MAX_ID = 2**63 - 1
DIARY_FIELDS = ("severity", "sleep_quality", "onset_time", "arms_involved", "note")

# The oldest possible (at, op_id): a row written without a client clock loses to any op.
_NO_CLOCK = datetime.min.replace(tzinfo=UTC)
_NO_OP = UUID(int=0)
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_TIME_RE = re.compile(r"^\d{2}:\d{2}(:\d{2})?$")
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


Op = CheckoffOp | DiaryOp


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


@dataclass(slots=True)
class SyncResult:
    """What the server did with a batch, in the response's shape."""

    applied: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    rejected: list[dict[str, Any]] = field(default_factory=list)
    changes: list[dict[str, Any]] = field(default_factory=list)
    cursor: int = 0

    def as_response(self) -> dict[str, Any]:
        return {
            "applied": self.applied,
            "duplicates": self.duplicates,
            "rejected": self.rejected,
            "changes": self.changes,
            "cursor": self.cursor,
        }


# --- parsing ------------------------------------------------------------------------------------------


def _parse_date(value: Any) -> date:
    if not isinstance(value, str) or not _DATE_RE.match(value):
        raise ValueError(_("Enter a date as YYYY-MM-DD."))
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError(_("%(value)s is not a calendar date.") % {"value": value}) from None


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
    return parsed.astimezone(UTC)


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
            parsed_at = datetime.fromisoformat(at.upper())
            return CheckoffOp(UUID(op_id), item, date.fromisoformat(day), done, parsed_at.astimezone(UTC))
        except ValueError:
            return None
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

    def take(name: str, parse) -> None:
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
    else:
        errors[f"{path}.kind"] = [_("Must be 'checkoff' or 'diary'.")]
    if len(errors) > before:
        return None
    if kind == "checkoff":
        return CheckoffOp(**values)
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


# --- applying -----------------------------------------------------------------------------------------


def _wins(op: Op, current: tuple[datetime | None, UUID | None] | None) -> bool:
    """Return True when ``op`` beats the stored (client_at, op_id) of its key."""
    if current is None:
        return True
    at, op_id = current
    return (op.at, op.op_id) > (at or _NO_CLOCK, op_id or _NO_OP)


def _checkoff_rejections(
    ops: list[CheckoffOp], *, patient: Patient, tomorrow: date
) -> dict[UUID, dict[str, list[str]]]:
    """Return the reasons, per op id, why check-off ops cannot apply; one query."""
    item_ids = {op.item for op in ops}
    windows = {
        row["id"]: row
        for row in AssignmentItem.objects.filter(id__in=item_ids, assignment__patient=patient)
        .order_by()
        .values("id", "retired_at", "due_from", "assignment__start_date", "assignment__end_date")
    }
    zone = patient.zone
    rejections: dict[UUID, dict[str, list[str]]] = {}
    for op in ops:
        window = windows.get(op.item)
        if window is None:
            rejections[op.op_id] = {"item": [_("This item is not on your checklists.")]}
            continue
        start, end = window["assignment__start_date"], window["assignment__end_date"]
        if window["due_from"] is not None:  # an item added to a running plan
            start = max(start, window["due_from"])
        retired = window["retired_at"]
        if op.date < start or (end is not None and op.date > end):
            span = (
                _("from %(start)s to %(end)s") % {"start": start.isoformat(), "end": end.isoformat()}
                if end
                else _("from %(start)s") % {"start": start.isoformat()}
            )
            rejections[op.op_id] = {
                "date": [_("This date is outside the checklist's dates (%(span)s).") % {"span": span}]
            }
        elif retired is not None and op.date >= retired.astimezone(zone).date():
            rejections[op.op_id] = {
                "date": [
                    _("This item was removed from your checklist on %(day)s.")
                    % {"day": retired.astimezone(zone).date().isoformat()}
                ]
            }
        elif op.date > tomorrow:
            rejections[op.op_id] = {"date": [_("Dates after tomorrow cannot be recorded yet.")]}
    return rejections


def sync_apply(*, patient: Patient, batch: Batch) -> SyncResult:
    """Apply a parsed batch for ``patient`` atomically; return applied/duplicate/rejected op ids, the
    changes since the batch's cursor (this batch's included) and the new cursor.

    ``applied`` lists every op accepted, including one superseded by a later change to the same key:
    the state it left is in ``changes``. Constant number of queries whatever the batch size.
    """
    result = SyncResult()
    with transaction.atomic():
        # Lock the patient's row first: one patient's batches apply one at a time, so the read of
        # the current winners below cannot go stale before our upsert.
        cursor = Patient.objects.select_for_update().values_list("sync_seq", flat=True).get(pk=patient.pk)

        # Remember the batch's op ids first: the insert skips the ids seen before and returns the
        # others, so one statement both records them and tells the new from the replayed.
        now = timezone.now()
        ids = dict.fromkeys(op.op_id for op in batch.ops)
        new = set(
            bulk.upsert(
                SyncOp,
                ("op_id", "patient", "received_at"),
                [(op_id, patient.pk, now) for op_id in ids],
                unique=("op_id",),
                returning="op_id",
            )
        )
        fresh: list[Op] = []
        for op in batch.ops:
            if op.op_id in new:
                new.discard(op.op_id)  # a second copy within this batch is a duplicate too
                fresh.append(op)
            else:
                result.duplicates.append(str(op.op_id))

        tomorrow = patient.local_today() + timedelta(days=1)
        checkoff_ops = [op for op in fresh if isinstance(op, CheckoffOp)]
        diary_ops = [op for op in fresh if isinstance(op, DiaryOp)]
        rejections = (
            _checkoff_rejections(checkoff_ops, patient=patient, tomorrow=tomorrow) if checkoff_ops else {}
        )
        for op in diary_ops:
            if op.date > tomorrow:
                rejections[op.op_id] = {"date": [_("Dates after tomorrow cannot be recorded yet.")]}

        if rejections:  # a rejected op is not remembered: sent again, it is judged again
            SyncOp.objects.filter(op_id__in=list(rejections)).delete()

        best: dict[tuple, Op] = {}
        for op in fresh:
            if op.op_id in rejections:
                result.rejected.append({"op_id": str(op.op_id), "errors": rejections[op.op_id]})
                continue
            result.applied.append(str(op.op_id))
            held = best.get(op.key)
            if held is None or (op.at, op.op_id) > (held.at, held.op_id):
                best[op.key] = op

        checkoff_best = [op for op in best.values() if isinstance(op, CheckoffOp)]
        diary_best = [op for op in best.values() if isinstance(op, DiaryOp)]
        current: dict[tuple, tuple] = {}
        if checkoff_best:
            # A superset of the batch's keys that the (item, date) index reads as ranges; bounded by
            # the patient's own history between the batch's first and last dates.
            days = [op.date for op in checkoff_best]
            rows = (
                CheckOff.objects.filter(
                    patient=patient,
                    item_id__in={op.item for op in checkoff_best},
                    date__gte=min(days),
                    date__lte=max(days),
                )
                .order_by()
                .values_list("item_id", "date", "client_at", "op_id")
            )
            current.update((("checkoff", item, day), (at, op_id)) for item, day, at, op_id in rows)
        if diary_best:
            rows = (
                DiaryEntry.objects.filter(patient=patient, date__in={op.date for op in diary_best})
                .order_by()
                .values_list("date", "client_at", "op_id")
            )
            current.update((("diary", day), (at, op_id)) for day, at, op_id in rows)

        winners = [op for op in best.values() if _wins(op, current.get(op.key))]
        if winners:
            seq = services.patient_take_seq(patient_id=patient.pk, count=len(winners))
            cursor = seq + len(winners) - 1
            checkoffs, entries = [], []
            for offset, op in enumerate(winners):
                if isinstance(op, CheckoffOp):
                    checkoffs.append(
                        (op.item, patient.pk, op.date, op.done, op.op_id, op.at, seq + offset, now)
                    )
                else:
                    entry = [op.entry[name] for name in DIARY_FIELDS]
                    entries.append((patient.pk, op.date, *entry, op.op_id, op.at, seq + offset, now))
            bulk.upsert(
                CheckOff,
                ("item", "patient", "date", "done", "op_id", "client_at", "seq", "updated_at"),
                checkoffs,
                unique=("item", "date"),
                update=("done", "op_id", "client_at", "seq", "updated_at"),
            )
            bulk.upsert(
                DiaryEntry,
                ("patient", "date", *DIARY_FIELDS, "op_id", "client_at", "seq", "updated_at"),
                entries,
                unique=("patient", "date"),
                update=(*DIARY_FIELDS, "op_id", "client_at", "seq", "updated_at"),
            )
        since = batch.since
        if since is not None and since > cursor:
            # A cursor this server never issued (a restored database, another server): start over.
            since = None
        result.changes = selectors.sync_changes_for(patient=patient, since=since, until=cursor)
        result.cursor = cursor
    return result
