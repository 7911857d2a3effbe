"""Sending one patient's reminders for one slot: claim the deliveries, decide what is still due,
write the in-app notification, then push or email it.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone, translation

from checklists.db.raw import (
    any_of,
    column_converter,
    column_of,
    concrete_field,
    db_values,
    insert_row,
    server_binding_cursor,
)
from checklists.intake.rules import is_dose_day
from checklists.models import AssignmentItem, Medication
from checklists.models.careplan import FollowUpStatus
from checklists.models.reminders import (
    Delivery,
    DeliveryChannel,
    DeliveryStatus,
    Notification,
    Reminder,
    ReminderKind,
)
from checklists.plan.rules import DueWindow, due_windows, window_is_due
from checklists.reminders.email import email_patient
from checklists.reminders.payload import payload_for_test_reminder, reminder_payload
from checklists.reminders.push import PushOutcome, push_record, push_to_patient
from checklists.reminders.schedule import local_to_utc
from checklists.reminders.services import reminder_next_fire


@dataclass
class SendResult:
    """What a send task did for one patient's slot."""

    status: str
    channel: str = ""
    tasks: int = 0
    payload: dict | None = None


def _claim_deliveries(
    patient_id: int, slot: datetime, now: datetime
) -> tuple[list[tuple[int, int, int]], int, str, str]:
    """Move this slot's pending deliveries to "sending" in one conditional UPDATE (a concurrent task
    re-checks the status and gets nothing). Returns the (delivery id, reminder id, repeat round)
    triples this task now owns, how many times they have been claimed (this time included), and the
    patient's time zone and language (0 and "" when it owns none)."""
    db_now, db_slot = (connection.ops.adapt_datetimefield_value(value) for value in (now, slot))
    # Raw SQL: 0.25 ms vs 1.00 ms for the ORM's SELECT FOR UPDATE and UPDATE (4.1x wall, 11x CPU),
    # PostgreSQL; SQLite 0.03 vs 0.51 ms (16x); bench/sql_bench.py [--sqlite] (2026-12-01).
    with server_binding_cursor() as cursor:
        cursor.execute(
            """UPDATE checklists_delivery SET status = %s, started_at = %s, attempts = attempts + 1
               WHERE patient_id = %s AND slot = %s AND status = %s AND (retry_at IS NULL OR retry_at <= %s)
               RETURNING id, reminder_id, attempts, repeat_round,
                   (SELECT time_zone FROM checklists_patient p WHERE p.id = checklists_delivery.patient_id),
                   (SELECT language FROM checklists_patient p WHERE p.id = checklists_delivery.patient_id)""",
            [DeliveryStatus.SENDING, db_now, patient_id, db_slot, DeliveryStatus.PENDING, db_now],
        )
        rows = cursor.fetchall()
    if not rows:
        return [], 0, "", ""
    return [(row[0], row[1], row[3]) for row in rows], max(row[2] for row in rows), rows[0][4], rows[0][5]


@dataclass
class SlotReminder:
    """A claimed reminder with what the send-time decision needs: its checklist's items (due window
    and done state on the slot's day), whether that day's diary entry exists, whether its
    follow-up is still planned, and for a dose its medicine, date and dose time, whether the
    medicine's schedule has that dose on that date, and whether it is recorded (taken or skipped)."""

    id: int
    kind: str
    only_if_not_done: bool
    diary_done: bool
    follow_up_planned: bool
    items: list[tuple[DueWindow, bool]] = field(default_factory=list)
    repeat: bool = False  # this slot is a "remind again" repeat
    repeats_on: bool = False  # the reminder has "remind again" on
    medication_id: int | None = None
    dose_date: date | None = None
    dose_slot: str = ""
    dose_day: bool = False
    dose_recorded: bool = False


# Everything the send-time decision needs in one round trip: one row per claimed reminder, or per
# item of its checklist (inactive checklists bring none). Plain SQL because the send task runs once
# per patient and slot, and the four ORM queries it replaces cost more CPU than the rest of the task.
# Raw SQL: 0.45 ms vs 1.79 ms for one ORM query doing the same (4.0x wall, 14x CPU), PostgreSQL;
# SQLite 0.05 vs 1.26 ms (25x); bench/sql_bench.py [--sqlite] (2026-12-01).
SLOT_REMINDERS_SQL = """
    SELECT r.id, r.kind, r.only_if_not_done,
           EXISTS (SELECT 1 FROM checklists_diaryentry e WHERE e.patient_id = r.patient_id AND e.date = %s),
           EXISTS (SELECT 1 FROM checklists_followup f WHERE f.id = r.follow_up_id AND f.status = %s),
           r.medication_id, r.dose_time, r.local_time, r.repeat_every_minutes IS NOT NULL,
           m.as_needed, m.every_other_day, m.dose_weekdays, m.start_date, m.stop_date,
           EXISTS (SELECT 1 FROM checklists_intakerecord k
                   WHERE k.medication_id = m.id AND k.date = %s AND k.slot = r.dose_time),
           EXISTS (SELECT 1 FROM checklists_intakerecord k
                   WHERE k.medication_id = m.id AND k.date = %s AND k.slot = r.dose_time),
           i.id, i.retired_at, i.due_from, a.start_date, a.end_date, a.weekdays, a.id,
           EXISTS (SELECT 1 FROM checklists_checkoff c WHERE c.item_id = i.id AND c.date = %s AND c.done)
    FROM checklists_reminder r
    LEFT JOIN checklists_medication m ON m.id = r.medication_id
    LEFT JOIN checklists_assignment a ON a.id = r.assignment_id AND a.active
    LEFT JOIN checklists_assignmentitem i ON i.assignment_id = a.id
    WHERE {reminder_ids}
    ORDER BY r.id, i.position, i.id
"""


def _slot_reminders(
    reminder_ids: list[int],
    day: date,
    zone: ZoneInfo,
    slot: datetime | None = None,
    repeats: frozenset[int] | set[int] = frozenset(),
) -> list[SlotReminder]:
    """Return the reminders ``reminder_ids`` that still exist, by id, loaded for a send on ``day``
    at ``slot`` (a dose's date is the slot's, see dose_date(); ``day`` without one) and ``repeats``
    (those whose delivery is a "remind again" repeat)."""
    db_day, db_day_before = (connection.ops.adapt_datefield_value(d) for d in (day, day - timedelta(days=1)))
    ids, id_params = any_of("r.id", reminder_ids)
    with server_binding_cursor() as cursor:
        cursor.execute(
            SLOT_REMINDERS_SQL.format(reminder_ids=ids),
            [db_day, FollowUpStatus.PLANNED, db_day, db_day_before, db_day, *id_params],
        )
        rows = cursor.fetchall()
    # The ORM's conversion of a raw retired_at (SQLite gives it back naive), and of times and dates.
    as_datetime = column_converter(AssignmentItem._meta.get_field("retired_at"))
    as_time = column_converter(Reminder._meta.get_field("local_time"))
    as_date = column_converter(Medication._meta.get_field("start_date"))
    loaded: dict[int, SlotReminder] = {}
    for rid, kind, only_if_not_done, diary_done, planned, medication_id, dose_time, local_time, *rest in rows:
        repeats_on, *medicine, recorded_on_day, recorded_day_before = rest[:8]
        item_id, *window_fields, done = rest[8:]
        reminder = loaded.get(rid)
        if reminder is None:
            reminder = loaded[rid] = SlotReminder(
                rid,
                kind,
                bool(only_if_not_done),
                bool(diary_done),
                bool(planned),
                repeat=rid in repeats,
                repeats_on=bool(repeats_on),
            )
            if kind == ReminderKind.MEDICATION and medication_id is not None and dose_time is not None:
                as_needed, every_other_day, weekdays, start_date, stop_date = medicine
                schedule = DoseSchedule(
                    bool(as_needed), bool(every_other_day), weekdays, as_date(start_date), as_date(stop_date)
                )
                reminder.medication_id = medication_id
                reminder.dose_slot = as_time(dose_time).strftime("%H:%M")
                reminder.dose_date = dose_date(slot, as_time(local_time), zone) if slot else day
                reminder.dose_day = not schedule.as_needed and is_dose_day(schedule, reminder.dose_date)
                # Taken or skipped (a scheduled dose's record is one or the other).
                reminder.dose_recorded = bool(
                    recorded_on_day if reminder.dose_date == day else recorded_day_before
                )
        if item_id is not None:
            retired_at, *dates = window_fields
            [window] = due_windows([(item_id, as_datetime(retired_at), *dates)], zone)
            reminder.items.append((window, bool(done)))
    return list(loaded.values())


@dataclass
class DoseSchedule:
    """What intake.rules.is_dose_day reads of a medicine, as the send step loads it."""

    as_needed: bool
    every_other_day: bool
    dose_weekdays: int
    start_date: date | None
    stop_date: date | None
    dose_times: str = ""


def dose_date(slot: datetime, local_time: time, zone: ZoneInfo) -> date:
    """Return the local date of the dose a slot reminds about: the slot's own date, or the day before
    when quiet hours (or a repeat) carried the slot past midnight."""
    day = slot.astimezone(zone).date()
    if local_to_utc(day, local_time, zone) > slot:
        return day - timedelta(days=1)
    return day


def _still_due(
    reminders: list[SlotReminder], day: date
) -> tuple[list[SlotReminder], list[int], int, list[dict[str, Any]]]:
    """Decide at send time: returns (reminders still due, open item ids, number of care tasks, doses).

    A checklist reminder counts the items due on ``day`` by the rule the Today screen and the
    adherence figures use (``plan.rules.window_is_due``), not yet done if "only if not done"; a diary
    reminder is due unless the day's entry exists; a follow-up reminder while its follow-up is
    planned; a dose reminder on a dose day of its medicine, unless the dose is recorded (taken or
    skipped) and "only if not done"; other kinds count one task each. A "remind again" repeat is
    always "only if not done".
    """
    due, items, tasks, doses = [], [], 0, []
    for reminder in reminders:
        if_not_done = reminder.only_if_not_done or reminder.repeat
        if reminder.kind == ReminderKind.ASSIGNMENT:
            open_items = [
                window[0]
                for window, done in reminder.items
                if window_is_due(window, day) and not (if_not_done and done)
            ]
            if not open_items:
                continue
            items.extend(open_items)
            tasks += len(open_items)
        elif reminder.kind == ReminderKind.DIARY:
            if if_not_done and reminder.diary_done:
                continue
            tasks += 1
        elif reminder.kind == ReminderKind.FOLLOW_UP:
            if not reminder.follow_up_planned:
                continue  # done, skipped or cancelled since the reminder was set
            tasks += 1
        elif reminder.medication_id is not None:
            if not reminder.dose_day or (if_not_done and reminder.dose_recorded):
                continue  # not a dose day (every other day, stopped), or taken or skipped already
            assert reminder.dose_date is not None
            doses.append(
                {
                    "medication": reminder.medication_id,
                    "date": reminder.dose_date.isoformat(),
                    "slot": reminder.dose_slot,
                }
            )
            tasks += 1
        else:
            tasks += 1
        due.append(reminder)
    return due, sorted(set(items)), tasks, doses


def _stop_repeats(reminder_ids: list[int], now: datetime) -> None:
    """End the "remind again" repeats of reminders found done (or no longer due): back to their next
    regular slot. Conditional on the row being unchanged since read, so a concurrent sweep or edit
    wins."""
    for reminder in Reminder.objects.filter(pk__in=reminder_ids, repeat_round__gt=0).select_related(
        "patient"
    ):
        regular = reminder_next_fire(reminder=reminder, patient=reminder.patient, after=now)
        Reminder.objects.filter(
            pk=reminder.pk, repeat_round=reminder.repeat_round, next_fire_at=reminder.next_fire_at
        ).update(next_fire_at=regular, repeat_round=0, snoozed_until=None)


def _finish(patient_id: int, slot: datetime, ids: list[int], **fields: Any) -> None:
    """Record the outcome of this task's claimed deliveries ``ids`` (still "sending").

    Filters on the patient and slot too: with an index condition on them, the planner cannot scan the
    whole partial ``delivery_unfinished`` index, which the statistics of a mostly-sent table make
    look nearly empty right after a sweep's burst of inserts. Plain SQL: the ORM's compile of this
    UPDATE cost more CPU than the database spent running it."""
    quote = connection.ops.quote_name
    sets = ", ".join(f"{quote(column_of(concrete_field(Delivery, name)))} = %s" for name in fields)
    owned, id_params = any_of("id", ids)
    # Raw SQL: 0.20 ms vs 0.40 ms for the ORM's update() (2.0x wall, 3.0x CPU), PostgreSQL; SQLite
    # 0.030 vs 0.18 ms (6.1x); bench/sql_bench.py [--sqlite] (2026-12-01).
    with server_binding_cursor() as cursor:
        cursor.execute(
            f"UPDATE checklists_delivery SET {sets} WHERE patient_id = %s AND slot = %s AND status = %s "
            f"AND {owned}",
            [
                *db_values(Delivery, fields),
                patient_id,
                connection.ops.adapt_datetimefield_value(slot),
                DeliveryStatus.SENDING,
                *id_params,
            ],
        )


def reminders_send_slot(*, patient_id: int, slot: datetime, now: datetime | None = None) -> SendResult:
    """Deliver one patient's reminders for one slot: in-app always, then Web Push, else email.

    Returns the outcome; a slot already sent (or being sent by another task) returns status "none".
    """
    now = now or timezone.now()
    # Claim, decide and write the feed entry in one transaction: one commit, and a failure before the
    # push leaves the slot pending for the next sweep. The push goes out only once the claim is
    # committed, so a crash mid-push leaves the rows "sending", for a later sweep to retry.
    with transaction.atomic():
        claimed, attempts, zone_name, language = _claim_deliveries(patient_id, slot, now)
        if not claimed:
            return SendResult(status="none")
        with translation.override(language):
            payload, due_ids, tasks = _decide(patient_id, claimed, slot, ZoneInfo(zone_name), now)
    if payload is None:
        return SendResult(status=DeliveryStatus.SKIPPED)
    with translation.override(language):
        return _send(patient_id, slot, payload, due_ids, tasks, attempts, now)


def _decide(
    patient_id: int, claimed: list[tuple[int, int, int]], slot: datetime, zone: ZoneInfo, now: datetime
) -> tuple[dict | None, list[int], int]:
    """Mark the claimed deliveries no longer due as skipped and write the feed entry for the rest.

    Returns (payload, delivery ids to send, number of care tasks); the payload is None when nothing is
    still due (everything done, or the reminders deleted since the sweep). A slot of repeats only
    writes no feed entry: each repeat's first slot has one.
    """
    delivery_of = {reminder_id: delivery_id for delivery_id, reminder_id, _ in claimed}
    repeats = {reminder_id for _, reminder_id, repeat_round in claimed if repeat_round}
    day = slot.astimezone(zone).date()
    loaded = _slot_reminders(sorted(delivery_of), day, zone, slot, repeats)
    due, items, tasks, doses = _still_due(loaded, day)
    due_ids = [delivery_of[r.id] for r in due]
    skipped_ids = sorted(set(delivery_of.values()) - set(due_ids))
    if skipped_ids:
        _finish(patient_id, slot, skipped_ids, status=DeliveryStatus.SKIPPED, sent_at=now)
        due_reminders = {r.id for r in due}
        stop = sorted(r.id for r in loaded if r.repeats_on and r.id not in due_reminders)
        if stop:
            _stop_repeats(stop, now)
    if not due:
        return None, [], 0
    only_repeats = all(r.repeat for r in due)
    payload = reminder_payload(
        slot=slot,
        day=day,
        tasks=tasks,
        items=items,
        reminder_ids=[r.id for r in due],
        doses=doses,
        repeat=only_repeats,
    )
    if not only_repeats:
        insert_row(
            Notification,
            {
                "patient": patient_id,
                "slot": slot,
                "local_date": day,
                "title": payload["title"],
                "body": payload["body"],
                "url": payload["url"],
                "items": payload["items"],
                "reminder_ids": [r.id for r in due if not r.repeat],
                "created_at": now,
            },
            skip_on_conflict=["patient", "slot"],  # a retried slot keeps its first feed entry
        )
    return payload, due_ids, tasks


def _send(
    patient_id: int,
    slot: datetime,
    payload: dict,
    due_ids: list[int],
    tasks: int,
    attempts: int,
    now: datetime,
) -> SendResult:
    """Push the claimed slot's payload, else email it (in the patient's language); record the outcome
    and what the push found out about the subscriptions in one transaction. The slot is finished
    (sent, or back to pending for a retry) exactly once per claim.

    ``attempts`` counts the claims of the slot, this one included: after REMINDER_PUSH_MAX_RETRIES
    retries (answers that asked for one, or workers that died or ran out of time mid-push) it goes
    by email without another push."""
    if attempts > settings.REMINDER_PUSH_MAX_RETRIES + 1:
        outcome = PushOutcome(errors=[f"push given up after {attempts - 1} tries"])
    else:
        outcome = push_to_patient(patient_id=patient_id, payload=payload)
    if outcome.delivered:
        channel = DeliveryChannel.PUSH
        result = SendResult(status=DeliveryStatus.SENT, channel=channel, tasks=tasks, payload=payload)
        fields = {
            "status": DeliveryStatus.SENT,
            "channel": channel,
            "sent_at": timezone.now(),
            "last_error": "; ".join(outcome.errors)[:300],  # the subscriptions that failed, if any
        }
    elif outcome.retry and attempts <= settings.REMINDER_PUSH_MAX_RETRIES:
        # Back to the queue, not a countdown task: a later sweep queues it once the wait is over.
        wait = outcome.retry_after or settings.REMINDER_PUSH_RETRY_BASE_SECONDS * 2 ** (attempts - 1)
        result = SendResult(status="retry", tasks=tasks, payload=payload)
        fields = {
            "status": DeliveryStatus.PENDING,
            "retry_at": now + timedelta(seconds=wait),
            "queued_at": None,
            "last_error": "; ".join(outcome.errors)[:300],
        }
    else:
        # No working push subscription: email, and the in-app feed already has it.
        if email_patient(patient_id=patient_id, body=payload["body"], url=payload["url"]):
            channel = DeliveryChannel.EMAIL
        else:
            channel = DeliveryChannel.IN_APP
        result = SendResult(status=DeliveryStatus.SENT, channel=channel, tasks=tasks, payload=payload)
        fields = {
            "status": DeliveryStatus.SENT,
            "channel": channel,
            "sent_at": timezone.now(),
            "last_error": "; ".join(outcome.errors)[:300],
        }
    with transaction.atomic():
        push_record(outcome)
        _finish(patient_id, slot, due_ids, **fields)
    return result


def reminder_test_send(*, patient_id: int, day: date) -> dict[str, str]:
    """Send a test reminder now the way a reminder goes: Web Push to every subscription of the
    patient (recording what the push service said, as a reminder's send does), else email. No
    delivery row and no feed entry. Returns {"channel", "code"}: sent_push, push_retry (the push
    service asked to wait), sent_email or no_channel."""
    payload = payload_for_test_reminder(day=day)
    outcome = push_to_patient(patient_id=patient_id, payload=payload)
    with transaction.atomic():
        push_record(outcome)
    if outcome.delivered:
        return {"channel": DeliveryChannel.PUSH, "code": "sent_push"}
    if outcome.retry:
        return {"channel": DeliveryChannel.IN_APP, "code": "push_retry"}
    if email_patient(patient_id=patient_id, body=payload["body"], url=payload["url"]):
        return {"channel": DeliveryChannel.EMAIL, "code": "sent_email"}
    return {"channel": DeliveryChannel.IN_APP, "code": "no_channel"}
