"""The offline-sync engine behind ``POST /api/v1/sync/``.

A phone records changes while offline as *ops* (a check-off set or cleared, a diary entry written, a
dose of a medicine taken, skipped or taken extra) and sends them in batches whenever it can. The engine
guarantees that the final state depends only on the set of ops, never on the order, the batching or
the number of deliveries:

- an op id the server has accepted before is a duplicate and changes nothing;
- per key ((item, date) for check-offs, date for diary entries, (medication, date, dose time) for
  intake, where each extra dose is its own key) the op with the greatest ``(at, op_id)`` wins: the
  latest client time, ties broken by the larger op id;
- an op the patient may not make (someone else's item or medicine, a date outside the checklist's or
  the medicine's dates, a time that is not one of the medicine's dose times that date, a date after
  the patient's local tomorrow, a client clock more than SYNC_MAX_CLOCK_AHEAD_SECONDS ahead of the
  server's) is rejected with reasons, and the rest of the batch applies.

A batch costs a constant number of queries whatever its size (one read per table, bulk upserts) and
is applied atomically. Parsing is plain Python, not DRF serializers, because it runs for every op.
"""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from checklists.careplan.augmentation_services import augmentation_screen_after_commit
from checklists.db import bulk
from checklists.db.raw import column_converter, column_of, concrete_field, server_binding_cursor
from checklists.diary.rules import DIARY_FIELDS
from checklists.intake.rules import dose_slots_on, patient_day_times
from checklists.models import AssignmentItem, CheckOff, DiaryEntry, IntakeRecord, Medication, Patient, SyncOp
from checklists.ops.metrics import sync_ops_record
from checklists.plan.rules import (
    DUE_ITEM_FIELDS,
    FUTURE_DAY_MESSAGE,
    NotDue,
    due_windows,
    latest_recordable_day,
    not_due_reason,
)
from checklists.sync.changes import patient_take_seq, sync_changes_for
from checklists.sync.parse import Batch, CheckoffOp, DiaryOp, IntakeOp, Op

# An intake record's columns, before its sync bookkeeping, in the order _write_winners builds its rows.
_INTAKE_FIELDS = ("medication", "patient", "date", "slot", "status", "reason")
# The oldest possible (at, op_id): a row written without a client clock loses to any op.
_NO_CLOCK = datetime.min.replace(tzinfo=UTC)
_NO_OP = UUID(int=0)


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


def _wins(op: Op, current: tuple[datetime | None, UUID | None] | None) -> bool:
    """Return True when ``op`` beats the stored (client_at, op_id) of its key."""
    if current is None:
        return True
    at, op_id = current
    return (op.at, op.op_id) > (at or _NO_CLOCK, op_id or _NO_OP)


def _checkoff_rejections(
    ops: list[CheckoffOp], *, patient: Patient, latest: date
) -> dict[UUID, dict[str, list[str]]]:
    """Return the reasons, per op id, why check-off ops cannot apply; one query.

    An op is rejected on an item that is not the patient's, on a day the item is not due for its
    dates (``plan.rules.not_due_reason``: before its start, after its end, from the day it was
    retired), or after ``latest``. A day the checklist does not run on by weekday is accepted: the
    weekdays may have changed while the phone was offline, and the tap is the patient's record.
    """
    rows = (
        AssignmentItem.objects.filter(id__in={op.item for op in ops}, assignment__patient=patient)
        .order_by()
        .values_list(*DUE_ITEM_FIELDS)
    )
    windows = {window.item_id: window for window in due_windows(rows, patient.zone)}
    rejections: dict[UUID, dict[str, list[str]]] = {}
    for op in ops:
        window = windows.get(op.item)
        if window is None:
            rejections[op.op_id] = {"item": [_("This item is not on your checklists.")]}
            continue
        reason = not_due_reason(window, op.date)
        if reason in (NotDue.BEFORE_START, NotDue.AFTER_END):
            span = (
                _("from %(start)s to %(end)s")
                % {"start": window.start.isoformat(), "end": window.end.isoformat()}
                if window.end
                else _("from %(start)s") % {"start": window.start.isoformat()}
            )
            rejections[op.op_id] = {
                "date": [_("This date is outside the checklist's dates (%(span)s).") % {"span": span}]
            }
        elif reason == NotDue.RETIRED:
            assert window.retired_on is not None
            rejections[op.op_id] = {
                "date": [
                    _("This item was removed from your checklist on %(day)s.")
                    % {"day": window.retired_on.isoformat()}
                ]
            }
        elif op.date > latest:
            rejections[op.op_id] = {"date": [str(FUTURE_DAY_MESSAGE)]}
    return rejections


def _medicine_span(med: Medication) -> str:
    start, stop = med.start_date, med.stop_date
    if start and stop:
        return _("from %(start)s to %(end)s") % {"start": start.isoformat(), "end": stop.isoformat()}
    if start:
        return _("from %(start)s") % {"start": start.isoformat()}
    assert stop is not None
    return _("until %(end)s") % {"end": stop.isoformat()}


def _intake_rejections(
    ops: list[IntakeOp], *, patient: Patient, today: date, latest: date
) -> dict[UUID, dict[str, list[str]]]:
    """Return the reasons, per op id, why intake ops cannot apply; one query.

    An op is rejected on a medicine that is not the patient's (the same words whether it exists or
    not), on a date after ``latest``, more than INTAKE_MAX_PAST_DAYS before ``today``, or outside the
    medicine's start and stop dates, and a taken or skipped dose on a time that is not one of the
    medicine's dose times that date (``intake.rules.dose_slots_on``).
    """
    medications = {
        med.pk: med
        for med in Medication.objects.filter(id__in={op.medication for op in ops}, patient=patient).only(
            "id", "dose_times", "dose_weekdays", "every_other_day", "as_needed", "start_date", "stop_date"
        )
    }
    earliest = today - timedelta(days=settings.INTAKE_MAX_PAST_DAYS)
    day_times = patient_day_times(patient)
    rejections: dict[UUID, dict[str, list[str]]] = {}
    for op in ops:
        med = medications.get(op.medication)
        if med is None:
            rejections[op.op_id] = {"medication": [_("Unknown medication: it is not on your list.")]}
        elif op.date > latest:
            rejections[op.op_id] = {"date": [str(FUTURE_DAY_MESSAGE)]}
        elif op.date < earliest:
            rejections[op.op_id] = {
                "date": [
                    _("Doses can be recorded up to %(days)d days back, from %(first)s.")
                    % {"days": settings.INTAKE_MAX_PAST_DAYS, "first": earliest.isoformat()}
                ]
            }
        elif (med.start_date and op.date < med.start_date) or (med.stop_date and op.date > med.stop_date):
            rejections[op.op_id] = {
                "date": [
                    _("This date is outside the medicine's dates (%(span)s).") % {"span": _medicine_span(med)}
                ]
            }
        elif op.slot is not None:
            slots = dose_slots_on(med, op.date, day_times=day_times)
            if op.slot.strftime("%H:%M") not in slots:
                rejections[op.op_id] = {
                    "slot": [
                        _("%(slot)s is not a dose time of this medicine on %(day)s (%(slots)s).")
                        % {
                            "slot": op.slot.strftime("%H:%M"),
                            "day": op.date.isoformat(),
                            "slots": ", ".join(slots) if slots else _("no dose time that day"),
                        }
                    ]
                }
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
        now = timezone.now()
        fresh = _remember_new_ops(batch.ops, patient=patient, now=now, result=result)
        rejections = _rejections(fresh, patient=patient, now=now)
        best = _latest_per_key(fresh, rejections, result=result)
        current = _stored_clocks(list(best.values()), patient=patient)
        winners = [op for op in best.values() if _wins(op, current.get(op.key))]
        if winners:
            cursor = _write_winners(winners, patient=patient, now=now)
        since = batch.since
        if since is not None and since > cursor:
            # A cursor this server never issued (a restored database, another server): start over.
            since = None
        result.changes = sync_changes_for(patient=patient, since=since, until=cursor)
        result.cursor = cursor
    sync_ops_record(result)
    return result


def _remember_new_ops(ops: list[Op], *, patient: Patient, now: datetime, result: SyncResult) -> list[Op]:
    """Record the batch's op ids and return the ops not seen before; the others go to duplicates.

    One statement both records them and tells the new from the replayed: the insert skips the ids
    seen before and returns the others."""
    new = set(
        bulk.upsert(
            SyncOp,
            ("op_id", "patient", "received_at"),
            [(op_id, patient.pk, now) for op_id in dict.fromkeys(op.op_id for op in ops)],
            unique=("op_id",),
            returning="op_id",
        )
    )
    fresh: list[Op] = []
    for op in ops:
        if op.op_id in new:
            new.discard(op.op_id)  # a second copy within this batch is a duplicate too
            fresh.append(op)
        else:
            result.duplicates.append(str(op.op_id))
    return fresh


def _clock_ahead_message(op: Op, now: datetime) -> str:
    return _(
        "This change is dated %(at)s, more than %(minutes)d minutes after the server's time (%(now)s): "
        "check the date and time on your phone, then make the change again."
    ) % {
        "at": op.at.isoformat(),
        "minutes": settings.SYNC_MAX_CLOCK_AHEAD_SECONDS // 60,
        "now": now.replace(microsecond=0).isoformat(),
    }


def _rejections(ops: list[Op], *, patient: Patient, now: datetime) -> dict[UUID, dict[str, list[str]]]:
    """Return the reasons, per op id, why ops cannot apply, and forget those ops: sent again, a
    rejected op is judged again.

    An op whose client clock is more than SYNC_MAX_CLOCK_AHEAD_SECONDS ahead of ``now`` is rejected:
    last writer wins by that clock, so it would beat every real change to its key until then."""
    latest = latest_recordable_day(patient.local_today())
    checkoff_ops = [op for op in ops if isinstance(op, CheckoffOp)]
    rejections = _checkoff_rejections(checkoff_ops, patient=patient, latest=latest) if checkoff_ops else {}
    intake_ops = [op for op in ops if isinstance(op, IntakeOp)]
    if intake_ops:
        today = patient.local_today()
        rejections.update(_intake_rejections(intake_ops, patient=patient, today=today, latest=latest))
    horizon = now + timedelta(seconds=settings.SYNC_MAX_CLOCK_AHEAD_SECONDS)
    for op in ops:
        if isinstance(op, DiaryOp) and op.date > latest:
            rejections[op.op_id] = {"date": [str(FUTURE_DAY_MESSAGE)]}
        if op.at > horizon:
            rejections.setdefault(op.op_id, {})["at"] = [_clock_ahead_message(op, now)]
    if rejections:
        SyncOp.objects.filter(op_id__in=list(rejections)).delete()
    return rejections


def _latest_per_key(
    ops: list[Op], rejections: dict[UUID, dict[str, list[str]]], *, result: SyncResult
) -> dict[tuple, Op]:
    """Sort the ops into applied and rejected; return the latest applied op of each key."""
    best: dict[tuple, Op] = {}
    for op in ops:
        if op.op_id in rejections:
            result.rejected.append({"op_id": str(op.op_id), "errors": rejections[op.op_id]})
            continue
        result.applied.append(str(op.op_id))
        held = best.get(op.key)
        if held is None or (op.at, op.op_id) > (held.at, held.op_id):
            best[op.key] = op
    return best


def _stored_clocks(ops: list[Op], *, patient: Patient) -> dict[tuple, tuple]:
    """Return the stored (client_at, op_id) of the ops' keys that already have a row; three queries."""
    checkoff_ops = [op for op in ops if isinstance(op, CheckoffOp)]
    diary_ops = [op for op in ops if isinstance(op, DiaryOp)]
    # An extra dose is a new record of its own: no stored row shares its key.
    intake_ops = [op for op in ops if isinstance(op, IntakeOp) and op.slot is not None]
    current: dict[tuple, tuple] = {}
    if checkoff_ops:
        checkoff_keys = [(op.item, op.date) for op in checkoff_ops]
        rows = _stored_clocks_of_keys(CheckOff, ("item", "date"), checkoff_keys, patient=patient)
        current.update((("checkoff", item, day), (at, op_id)) for item, day, at, op_id in rows)
    if diary_ops:
        entries = (
            DiaryEntry.objects.filter(patient=patient, date__in={op.date for op in diary_ops})
            .order_by()
            .values_list("date", "client_at", "op_id")
        )
        current.update((("diary", day), (at, op_id)) for day, at, op_id in entries)
    if intake_ops:
        dose_keys = [(op.medication, op.date, op.slot) for op in intake_ops]
        doses = _stored_clocks_of_keys(
            IntakeRecord, ("medication", "date", "slot"), dose_keys, patient=patient
        )
        current.update((("intake", med, day, slot), (at, op_id)) for med, day, slot, at, op_id in doses)
    return current


def _stored_clocks_of_keys(
    model: type[CheckOff] | type[IntakeRecord],
    key_fields: tuple[str, ...],
    keys: list[tuple],
    *,
    patient: Patient,
) -> list[tuple]:
    """Return (*key, client_at, op_id) of ``patient``'s rows of ``model`` with exactly these ``keys``
    (values of ``key_fields``, the columns of a unique constraint); one query, one probe of that
    constraint's index per key.

    Exact keys, not a key's rows between the batch's first and last dates: a phone back from weeks
    offline, or last year's day edited with today's, would make that range read every day of the
    history between them, and a planner then reads the patient's whole history by a patient-only
    index (tests/api/test_query_plans.py)."""
    keys = list(dict.fromkeys(keys))
    fields = [concrete_field(model, name) for name in key_fields]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(column_of(field)) for field in fields)
    params: list[Any]
    if connection.vendor == "postgresql":
        # One array per column: a fixed statement text, prepared once per connection (db.raw).
        arrays = ", ".join(f"%s::{field.db_type(connection)}[]" for field in fields)
        source = f"SELECT * FROM unnest({arrays})"
        params = [list(values) for values in zip(*keys, strict=True)]
    else:
        row = "(" + ", ".join(["%s"] * len(fields)) + ")"
        source = "VALUES " + ", ".join([row] * len(keys))
        params = [
            field.get_db_prep_value(value, connection)
            for key in keys
            for field, value in zip(fields, key, strict=True)
        ]
    # Raw SQL: the ORM's own form, a TupleIn of Tuple(F(...)) (django.db.models.fields.tuple_lookups,
    # not a documented API), built and compiled in 7.5 ms CPU for 50 keys and 80 ms for 1,000, more
    # than the 1000-op batch's whole upsert (PostgreSQL, a busy machine, 2026-12-01).
    with server_binding_cursor() as cursor:
        cursor.execute(
            f"SELECT {columns}, client_at, op_id FROM {quote(model._meta.db_table)}"
            f" WHERE patient_id = %s AND ({columns}) IN ({source})",
            [patient.pk, *params],
        )
        rows = cursor.fetchall()
    converters = [
        column_converter(field)
        for field in (*fields, *(concrete_field(model, n) for n in ("client_at", "op_id")))
    ]
    return [tuple(convert(value) for convert, value in zip(converters, row, strict=True)) for row in rows]


def _write_winners(winners: list[Op], *, patient: Patient, now: datetime) -> int:
    """Upsert the winning ops' check-offs, diary entries and intake records with fresh change numbers;
    returns the last change number taken (the new cursor)."""
    seq = patient_take_seq(patient_id=patient.pk, count=len(winners))
    checkoffs, entries, doses = [], [], []
    for offset, op in enumerate(winners):
        if isinstance(op, CheckoffOp):
            checkoffs.append((op.item, patient.pk, op.date, op.done, op.op_id, op.at, seq + offset, now))
        elif isinstance(op, IntakeOp):
            dose = (op.medication, patient.pk, op.date, op.slot, op.status, op.reason)
            doses.append((*dose, op.op_id, op.at, seq + offset, now))
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
    if entries:  # the diary changed: screen for augmentation once the batch commits
        augmentation_screen_after_commit(patient=patient)
    # Extra doses (slot null) never conflict: the unique constraint treats nulls as distinct.
    bulk.upsert(
        IntakeRecord,
        (*_INTAKE_FIELDS, "op_id", "client_at", "seq", "updated_at"),
        doses,
        unique=("medication", "date", "slot"),
        update=("status", "reason", "op_id", "client_at", "seq", "updated_at"),
    )
    return seq + len(winners) - 1
