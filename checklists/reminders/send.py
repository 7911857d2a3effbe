"""Sending one patient's reminders for one slot: claim the deliveries, decide what is still due,
write the in-app notification, then push or email it.
"""

from collections import defaultdict
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
from checklists.reminders.push import PushOutcome, push_record, push_to_patient, push_to_patients
from checklists.reminders.schedule import local_to_utc
from checklists.reminders.services import reminder_next_fire


@dataclass
class SendResult:
    """What a send task did for one patient's slot."""

    status: str
    channel: str = ""
    tasks: int = 0
    payload: dict | None = None


# A send task's (patient, slot) pairs as one SQL condition on (patient_id, slot): on PostgreSQL array
# parameters (the same statement text whatever the batch's size, so it can be prepared). The ANY()
# tests give the planner an index condition on the patients and slots whatever the statistics say
# (see _finish); the unnest() keeps the exact pairs.
PAIRS_POSTGRESQL = (
    "patient_id = ANY(%s) AND slot = ANY(%s) "
    "AND (patient_id, slot) IN (SELECT * FROM unnest(%s::bigint[], %s::timestamptz[]))"
)


def _pairs_of(pairs: list[tuple[int, datetime]]) -> tuple[str, list[Any]]:
    """Return SQL testing (patient_id, slot) against ``pairs`` (not empty), and its parameters."""
    slots = [connection.ops.adapt_datetimefield_value(slot) for _, slot in pairs]
    if connection.vendor == "postgresql":
        patient_ids = [patient_id for patient_id, _ in pairs]
        return PAIRS_POSTGRESQL, [patient_ids, slots, patient_ids, slots]
    values = ", ".join(["(%s, %s)"] * len(pairs))
    return f"(patient_id, slot) IN (VALUES {values})", [
        v for (p, _), s in zip(pairs, slots, strict=True) for v in (p, s)
    ]


@dataclass
class Claim:
    """One (patient, slot) of a send task: the deliveries it now owns as (delivery id, reminder id,
    repeat round), how many times they have been claimed (this time included), the patient's time
    zone and language."""

    patient_id: int
    slot: datetime
    zone: ZoneInfo
    language: str
    attempts: int = 0
    deliveries: list[tuple[int, int, int]] = field(default_factory=list)

    @property
    def day(self) -> date:
        return self.slot.astimezone(self.zone).date()


def _claim_deliveries(pairs: list[tuple[int, datetime]], now: datetime) -> list[Claim]:
    """Move the pending deliveries of ``pairs`` to "sending" in one conditional UPDATE (a concurrent
    task re-checks the status and gets nothing). Returns a claim per pair this task now owns."""
    owned, params = _pairs_of(pairs)
    db_now = connection.ops.adapt_datetimefield_value(now)
    # Raw SQL: 0.25 ms vs 1.00 ms for the ORM's SELECT FOR UPDATE and UPDATE (4.1x wall, 11x CPU) for
    # one pair, PostgreSQL; SQLite 0.03 vs 0.51 ms (16x); bench/sql_bench.py [--sqlite] (2026-12-01).
    with server_binding_cursor() as cursor:
        cursor.execute(
            f"""UPDATE checklists_delivery SET status = %s, started_at = %s, attempts = attempts + 1
               WHERE {owned} AND status = %s AND (retry_at IS NULL OR retry_at <= %s)
               RETURNING id, reminder_id, attempts, repeat_round, patient_id, slot,
                   (SELECT time_zone FROM checklists_patient p WHERE p.id = checklists_delivery.patient_id),
                   (SELECT language FROM checklists_patient p WHERE p.id = checklists_delivery.patient_id)""",
            [DeliveryStatus.SENDING, db_now, *params, DeliveryStatus.PENDING, db_now],
        )
        rows = cursor.fetchall()
    as_datetime = column_converter(Delivery._meta.get_field("slot"))
    claims: dict[tuple[int, datetime], Claim] = {}
    for delivery_id, reminder_id, attempts, repeat_round, patient_id, slot, zone, language in rows:
        at = as_datetime(slot)
        claim = claims.get((patient_id, at))
        if claim is None:
            claim = claims[(patient_id, at)] = Claim(patient_id, at, ZoneInfo(zone), language)
        claim.deliveries.append((delivery_id, reminder_id, repeat_round))
        claim.attempts = max(claim.attempts, attempts)
    return list(claims.values())


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
    zone_of: dict[int, ZoneInfo],
    slot_of: dict[int, datetime],
    repeats: frozenset[int] | set[int] = frozenset(),
) -> list[SlotReminder]:
    """Return the reminders ``reminder_ids`` that still exist, by id, loaded for a send on ``day``
    (each its patient's local date of the slot) in the time zone ``zone_of[id]`` at the slot
    ``slot_of[id]`` (a dose's date is the slot's, see dose_date()), and ``repeats`` (those whose
    delivery is a "remind again" repeat)."""
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
                reminder.dose_date = dose_date(slot_of[rid], as_time(local_time), zone_of[rid])
                reminder.dose_day = not schedule.as_needed and is_dose_day(schedule, reminder.dose_date)
                # Taken or skipped (a scheduled dose's record is one or the other).
                reminder.dose_recorded = bool(
                    recorded_on_day if reminder.dose_date == day else recorded_day_before
                )
        if item_id is not None:
            retired_at, *dates = window_fields
            [window] = due_windows([(item_id, as_datetime(retired_at), *dates)], zone_of[rid])
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


def _finish(pairs: list[tuple[int, datetime]], ids: list[int], **fields: Any) -> None:
    """Record the outcome of this task's claimed deliveries ``ids`` (still "sending") of ``pairs``.

    Filters on the patients and slots too: with an index condition on them, the planner cannot scan the
    whole partial ``delivery_unfinished`` index, which the statistics of a mostly-sent table make
    look nearly empty right after a sweep's burst of inserts. Plain SQL: the ORM's compile of this
    UPDATE cost more CPU than the database spent running it."""
    quote = connection.ops.quote_name
    sets = ", ".join(f"{quote(column_of(concrete_field(Delivery, name)))} = %s" for name in fields)
    owned, id_params = any_of("id", ids)
    mine, pair_params = _pairs_of(pairs)
    # Raw SQL: 0.20 ms vs 0.40 ms for the ORM's update() (2.0x wall, 3.0x CPU) for one pair, PostgreSQL;
    # SQLite 0.030 vs 0.18 ms (6.1x); bench/sql_bench.py [--sqlite] (2026-12-01).
    with server_binding_cursor() as cursor:
        cursor.execute(
            f"UPDATE checklists_delivery SET {sets} WHERE {mine} AND status = %s AND {owned}",
            [*db_values(Delivery, fields), *pair_params, DeliveryStatus.SENDING, *id_params],
        )


@dataclass
class Decision:
    """A claimed (patient, slot) with something still due: its payload, the delivery ids to send and
    the number of care tasks."""

    claim: Claim
    payload: dict
    due_ids: list[int]
    tasks: int

    @property
    def pair(self) -> tuple[int, datetime]:
        return self.claim.patient_id, self.claim.slot


def reminders_send_slot(*, patient_id: int, slot: datetime, now: datetime | None = None) -> SendResult:
    """Deliver one patient's reminders for one slot: ``reminders_send_slots`` of one pair."""
    return reminders_send_slots(pairs=[(patient_id, slot)], now=now)[0]


def reminders_send_slots(
    *, pairs: list[tuple[int, datetime]], now: datetime | None = None
) -> list[SendResult]:
    """Deliver the reminders of each (patient id, slot) of ``pairs``: in-app always, then Web Push, else
    email. Every step is one statement (or one push connection per push service) for all the pairs.

    Returns an outcome per pair, in order; a slot already sent (or being sent by another task) is
    status "none".
    """
    now = now or timezone.now()
    results = {pair: SendResult(status="none") for pair in pairs}
    if not pairs:
        return []
    # Claim, decide and write the feed entries in one transaction: one commit, and a failure before the
    # push leaves the slots pending for the next sweep. The pushes go out only once the claim is
    # committed, so a crash mid-push leaves the rows "sending", for a later sweep to retry.
    with transaction.atomic():
        claims = _claim_deliveries(pairs, now)
        decisions = _decide(claims, now)
    for claim in claims:
        results[(claim.patient_id, claim.slot)] = SendResult(status=DeliveryStatus.SKIPPED)
    for decision, result in zip(decisions, _send(decisions, now), strict=True):
        results[decision.pair] = result
    return [results[pair] for pair in pairs]


def _load(claims: list[Claim]) -> dict[tuple[int, datetime], dict[int, SlotReminder]]:
    """Return the claimed reminders by (patient, slot) and id: one query per distinct local date and
    slot of the claims (a sweep's batch: one slot, at most three dates around the world)."""
    groups: dict[tuple[date, datetime], list[Claim]] = defaultdict(list)
    for claim in claims:
        groups[(claim.day, claim.slot)].append(claim)
    loaded: dict[tuple[int, datetime], dict[int, SlotReminder]] = defaultdict(dict)
    for (day, slot), group in groups.items():
        patient_of, zone_of, repeats = {}, {}, set()
        for claim in group:
            for _, reminder_id, repeat_round in claim.deliveries:
                patient_of[reminder_id], zone_of[reminder_id] = claim.patient_id, claim.zone
                if repeat_round:
                    repeats.add(reminder_id)
        slot_of = dict.fromkeys(zone_of, slot)
        for reminder in _slot_reminders(sorted(zone_of), day, zone_of, slot_of, repeats):
            loaded[(patient_of[reminder.id], slot)][reminder.id] = reminder
    return loaded


def _decide(claims: list[Claim], now: datetime) -> list[Decision]:
    """Mark the claimed deliveries no longer due as skipped and write the feed entries for the rest.

    Returns a decision per claim with something still due (nothing is when everything is done, or the
    reminders were deleted since the sweep). A slot of repeats only writes no feed entry: each
    repeat's first slot has one.
    """
    loaded = _load(claims)
    decisions, skipped, stop, feed = [], [], [], []
    for claim in claims:
        delivery_of = {reminder_id: delivery_id for delivery_id, reminder_id, _ in claim.deliveries}
        mine = loaded[(claim.patient_id, claim.slot)]
        reminders = [mine[reminder_id] for reminder_id in sorted(delivery_of) if reminder_id in mine]
        due, items, tasks, doses = _still_due(reminders, claim.day)
        due_ids = [delivery_of[r.id] for r in due]
        skipped_ids = sorted(set(delivery_of.values()) - set(due_ids))
        if skipped_ids:
            skipped.append((claim, skipped_ids))
            due_reminders = {r.id for r in due}
            stop += [r.id for r in reminders if r.repeats_on and r.id not in due_reminders]
        if not due:
            continue
        only_repeats = all(r.repeat for r in due)
        with translation.override(claim.language):
            payload = reminder_payload(
                slot=claim.slot,
                day=claim.day,
                tasks=tasks,
                items=items,
                reminder_ids=[r.id for r in due],
                doses=doses,
                repeat=only_repeats,
            )
        if not only_repeats:
            feed.append(_feed_entry(claim, payload, [r.id for r in due if not r.repeat], now))
        decisions.append(Decision(claim, payload, due_ids, tasks))
    if skipped:
        pairs = [(claim.patient_id, claim.slot) for claim, _ in skipped]
        ids = [delivery_id for _, ids in skipped for delivery_id in ids]
        _finish(pairs, ids, status=DeliveryStatus.SKIPPED, sent_at=now)
    if stop:
        _stop_repeats(sorted(stop), now)
    # One INSERT for the batch; a retried slot keeps its first feed entry (unique patient and slot).
    Notification.objects.bulk_create(feed, ignore_conflicts=True)
    return decisions


def _feed_entry(claim: Claim, payload: dict, reminder_ids: list[int], now: datetime) -> Notification:
    return Notification(
        patient_id=claim.patient_id,
        slot=claim.slot,
        local_date=claim.day,
        title=payload["title"],
        body=payload["body"],
        url=payload["url"],
        items=payload["items"],
        reminder_ids=reminder_ids,
        created_at=now,
    )


def _send(decisions: list[Decision], now: datetime) -> list[SendResult]:
    """Push each decision's payload, else email it (in the patient's language); record the outcomes
    and what the pushes found out about the subscriptions in one transaction. Each slot is finished
    (sent, or back to pending for a retry) exactly once per claim. Returns a result per decision.

    ``attempts`` counts the claims of a slot, this one included: after REMINDER_PUSH_MAX_RETRIES
    retries (answers that asked for one, or workers that died or ran out of time mid-push) it goes
    by email without another push."""
    if not decisions:
        return []
    limit = settings.REMINDER_PUSH_MAX_RETRIES + 1
    to_push = [d for d in decisions if d.claim.attempts <= limit]
    pushed = push_to_patients(payloads=[(d.claim.patient_id, d.payload) for d in to_push])
    outcome_of = {id(d): outcome for d, outcome in zip(to_push, pushed, strict=True)}
    sent_at = timezone.now()
    everything = PushOutcome()
    results, finishes = [], defaultdict(list)
    for decision in decisions:
        attempts = decision.claim.attempts
        outcome = outcome_of.get(id(decision)) or PushOutcome(
            errors=[f"push given up after {attempts - 1} tries"]
        )
        everything.merge(outcome)
        with translation.override(decision.claim.language):
            result, fields = _outcome(decision, outcome, sent_at, now)
        results.append(result)
        finishes[tuple(fields.items())].append(decision)
    with transaction.atomic():
        push_record(everything)
        # One UPDATE per distinct outcome: one for the whole batch when every push arrived.
        for values, finished in finishes.items():
            pairs = [d.pair for d in finished]
            _finish(pairs, [i for d in finished for i in d.due_ids], **dict(values))
    return results


def _outcome(
    decision: Decision, outcome: PushOutcome, sent_at: datetime, now: datetime
) -> tuple[SendResult, dict[str, Any]]:
    """Return a decision's result and the delivery fields to write: sent by push, back to pending for
    a retry, or (no push arrived and no retry due) sent by email or in-app only."""
    attempts, tasks, payload = decision.claim.attempts, decision.tasks, decision.payload
    errors = "; ".join(outcome.errors)[:300]  # the subscriptions that failed, if any
    if outcome.delivered:
        channel = DeliveryChannel.PUSH
    elif outcome.retry and attempts <= settings.REMINDER_PUSH_MAX_RETRIES:
        # Back to the queue, not a countdown task: a later sweep queues it once the wait is over.
        wait = outcome.retry_after or settings.REMINDER_PUSH_RETRY_BASE_SECONDS * 2 ** (attempts - 1)
        fields = {
            "status": DeliveryStatus.PENDING,
            "retry_at": now + timedelta(seconds=wait),
            "queued_at": None,
            "last_error": errors,
        }
        return SendResult(status="retry", tasks=tasks, payload=payload), fields
    elif email_patient(patient_id=decision.claim.patient_id, body=payload["body"], url=payload["url"]):
        # No working push subscription: email, and the in-app feed already has it.
        channel = DeliveryChannel.EMAIL
    else:
        channel = DeliveryChannel.IN_APP
    fields = {"status": DeliveryStatus.SENT, "channel": channel, "sent_at": sent_at, "last_error": errors}
    return SendResult(status=DeliveryStatus.SENT, channel=channel, tasks=tasks, payload=payload), fields


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
