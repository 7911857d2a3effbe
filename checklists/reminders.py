"""Reminder writes and dispatch (the database is the queue, as in healthchecks' ``sendalerts``).

- ``reminders_sweep`` claims due reminders atomically (``SELECT ... FOR UPDATE SKIP LOCKED`` on
  PostgreSQL; a conditional UPDATE elsewhere), writes one ``Delivery`` per (reminder, slot), advances
  ``next_fire_at`` and queues ONE send task per patient and slot. Any number of sweeps may run at
  once: a slot is claimed by exactly one of them, and the unique (reminder, slot) backs that up.
- ``reminders_send_slot`` (the send task's body) claims that slot's pending deliveries, decides at
  send time what is still not done, writes the in-app notification and pushes or emails it.
- Deliveries whose task was lost (broker down, worker killed) are queued again by a later sweep.
"""

import logging
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext, ngettext

from checklists import push, schedule
from checklists.models import Assignment, AssignmentItem, Patient
from checklists.models.careplan import FollowUpStatus
from checklists.models.reminders import (
    Delivery,
    DeliveryChannel,
    DeliveryStatus,
    Notification,
    Reminder,
    ReminderKind,
)
from checklists.rawsql import any_of, column_converter, db_values, insert_row, server_binding_cursor
from checklists.selectors import DueWindow, due_windows, window_is_due

logger = logging.getLogger(__name__)

PUSH_TITLE = "RLS Care"
TODAY_URL = "/#today"

# --- schedule -------------------------------------------------------------------------------------


def default_time(key: str) -> time:
    """Return the default local time for ``key`` (a checklist category, 'diary' or 'follow_up')."""
    times = settings.REMINDER_DEFAULT_TIMES
    return time.fromisoformat(times.get(key) or times["other"])


def reminder_next_fire(*, reminder: Reminder, patient: Patient, after: datetime) -> datetime | None:
    """Return the reminder's first regular slot strictly after ``after`` (UTC), or None if none."""
    if not reminder.active:
        return None
    return schedule.next_fire(
        after=after,
        at=reminder.local_time,
        zone=ZoneInfo(patient.time_zone),
        weekdays=reminder.weekdays,
        on_date=reminder.on_date,
        quiet_start=patient.quiet_hours_start,
        quiet_end=patient.quiet_hours_end,
    )


def _reschedule(reminder: Reminder, *, now: datetime | None = None) -> None:
    now = now or timezone.now()
    reminder.snoozed_until = None
    reminder.next_fire_at = reminder_next_fire(reminder=reminder, patient=reminder.patient, after=now)


# --- writes ---------------------------------------------------------------------------------------


@transaction.atomic
def reminder_create(
    *,
    patient: Patient,
    kind: str,
    local_time: time,
    weekdays: int = schedule.EVERY_DAY,
    on_date: date | None = None,
    assignment: Assignment | None = None,
    follow_up_id: int | None = None,
    label: str = "",
    only_if_not_done: bool = True,
    active: bool = True,
) -> Reminder:
    """Create a reminder and schedule its first slot; returns it with ``next_fire_at`` set."""
    reminder = Reminder(
        patient=patient,
        kind=kind,
        local_time=local_time,
        weekdays=weekdays,
        on_date=on_date,
        assignment=assignment,
        follow_up_id=follow_up_id,
        label=label,
        only_if_not_done=only_if_not_done,
        active=active,
    )
    _reschedule(reminder)
    reminder.full_clean()
    reminder.save()
    return reminder


REMINDER_EDITABLE_FIELDS = frozenset(
    {"local_time", "weekdays", "on_date", "label", "only_if_not_done", "active"}
)


@transaction.atomic
def reminder_update(*, reminder: Reminder, **changes) -> Reminder:
    """Apply ``changes`` (editable fields only) and reschedule from now; returns the reminder.

    Raises ValueError naming a field that may not be changed.
    """
    unknown = set(changes) - REMINDER_EDITABLE_FIELDS
    if unknown:
        raise ValueError(f"not editable: {', '.join(sorted(unknown))}")
    for name, value in changes.items():
        setattr(reminder, name, value)
    _reschedule(reminder)
    reminder.full_clean()
    reminder.save()
    return reminder


def reminder_delete(*, reminder: Reminder) -> None:
    """Delete the reminder and its delivery history."""
    reminder.delete()


def reminder_snooze(*, reminder: Reminder, minutes: int, now: datetime | None = None) -> Reminder:
    """Fire the reminder again ``minutes`` from now (one of REMINDER_SNOOZE_MINUTES); returns it.

    The snooze replaces any slot before it; after it fires, the regular schedule resumes.
    Raises ValueError for another number of minutes.
    """
    if minutes not in settings.REMINDER_SNOOZE_MINUTES:
        raise ValueError(f"minutes must be one of {settings.REMINDER_SNOOZE_MINUTES}")
    until = (now or timezone.now()) + timedelta(minutes=minutes)
    Reminder.objects.filter(pk=reminder.pk).update(
        snoozed_until=until, next_fire_at=until, updated_at=timezone.now()
    )
    reminder.snoozed_until = reminder.next_fire_at = until
    return reminder


def reminders_reschedule_patient(*, patient: Patient) -> int:
    """Recompute every reminder of ``patient`` (after a change of time zone or quiet hours).

    Returns how many reminders were rescheduled; snoozes are kept.
    """
    now = timezone.now()
    count = 0
    for reminder in Reminder.objects.filter(patient=patient).select_related("patient"):
        reminder.patient = patient
        regular = reminder_next_fire(reminder=reminder, patient=patient, after=now)
        if reminder.snoozed_until and reminder.snoozed_until > now:
            regular = reminder.snoozed_until
        Reminder.objects.filter(pk=reminder.pk).update(next_fire_at=regular)
        count += 1
    return count


def reminder_for_assignment(*, assignment: Assignment) -> Reminder:
    """Return the assignment's daily reminder, creating the default one (time by category) if missing."""
    existing = Reminder.objects.filter(assignment=assignment).first()
    if existing:
        return existing
    return reminder_create(
        patient=assignment.patient,
        kind=ReminderKind.ASSIGNMENT,
        assignment=assignment,
        local_time=default_time(assignment.category),
        weekdays=assignment.weekdays,
        label=assignment.name[:LABEL_MAX],
    )


def reminder_defaults_ensure(*, patient: Patient) -> list[Reminder]:
    """Create the patient's default reminders that are missing: the diary at bedtime and one per
    active assignment. Returns the reminders created."""
    created = []
    if not Reminder.objects.filter(patient=patient, kind=ReminderKind.DIARY).exists():
        created.append(
            reminder_create(
                patient=patient,
                kind=ReminderKind.DIARY,
                local_time=default_time("diary"),
                label=gettext("Tonight's diary"),
            )
        )
    for assignment in Assignment.objects.filter(patient=patient, active=True, reminders__isnull=True):
        created.append(reminder_for_assignment(assignment=assignment))
    return created


# The seam to the care plan's follow-ups: the care-plan service calls these when it schedules,
# moves, completes or cancels a follow-up. Only the follow-up's id and due date cross the seam.


@transaction.atomic
def reminders_for_follow_up(
    *, patient: Patient, follow_up_id: int, due_date: date, title: str = ""
) -> list[Reminder]:
    """(Re)create the follow-up's one-off reminders, REMINDER_FOLLOW_UP_DAYS_BEFORE its due date.

    ``title`` names them in the app's reminder list (e.g. "Medication review: in 3 days"); it is
    never sent in a push notification or email.

    Returns the reminders that will still fire (those already in the past are not created).
    """
    reminders_cancel_follow_up(follow_up_id=follow_up_id)
    created = []
    for days_before in settings.REMINDER_FOLLOW_UP_DAYS_BEFORE:
        reminder = reminder_create(
            patient=patient,
            kind=ReminderKind.FOLLOW_UP,
            follow_up_id=follow_up_id,
            on_date=due_date - timedelta(days=days_before),
            local_time=default_time("follow_up"),
            label=_follow_up_label(title, days_before),
        )
        if reminder.next_fire_at is None:
            reminder.delete()
        else:
            created.append(reminder)
    return created


def follow_up_reminders_sync(follow_up) -> list[Reminder]:
    """Bring a follow-up's reminders in line after it was saved: (re)created while it is planned,
    removed once it is not. Returns the reminders that will fire."""
    if follow_up.status != FollowUpStatus.PLANNED:
        reminders_cancel_follow_up(follow_up_id=follow_up.pk)
        return []
    existing = set(
        Reminder.objects.filter(kind=ReminderKind.FOLLOW_UP, follow_up_id=follow_up.pk).values_list(
            "on_date", flat=True
        )
    )
    wanted = {follow_up.due_date - timedelta(days=d) for d in settings.REMINDER_FOLLOW_UP_DAYS_BEFORE}
    if existing and existing <= wanted:
        return list(Reminder.objects.filter(kind=ReminderKind.FOLLOW_UP, follow_up_id=follow_up.pk))
    return reminders_for_follow_up(
        patient=follow_up.patient,
        follow_up_id=follow_up.pk,
        due_date=follow_up.due_date,
        title=follow_up.title,
    )


LABEL_MAX = Reminder._meta.get_field("label").max_length


def _follow_up_label(title: str, days_before: int) -> str:
    """Return the in-app name of a follow-up reminder, e.g. "Duplex ultrasound: in 3 days"."""
    when = (
        gettext("today")
        if days_before == 0
        else ngettext("in %(days)d day", "in %(days)d days", days_before) % {"days": days_before}
    )
    label = f"{title}: {when}" if title else gettext("Follow-up %(when)s") % {"when": when}
    return label[:LABEL_MAX]


def reminders_cancel_follow_up(*, follow_up_id: int) -> int:
    """Delete the follow-up's reminders (it was done, moved or cancelled); returns how many."""
    deleted, _ = Reminder.objects.filter(kind=ReminderKind.FOLLOW_UP, follow_up_id=follow_up_id).delete()
    return deleted


# --- the sweep ------------------------------------------------------------------------------------


@dataclass
class SweepResult:
    """What one sweep did: reminders claimed, deliveries written, send tasks queued, retried."""

    claimed: int = 0
    deliveries: int = 0
    queued: int = 0
    requeued: int = 0
    enqueue_failed: bool = False


# Queues one send task per (patient id, slot); raises when the broker failed (some may have been queued).
Enqueue = Callable[[list[tuple[int, datetime]]], None]

# Send tasks are published this many at a time, in one round trip to Redis (kombu's publish batch).
PUBLISH_BATCH_SIZE = 1000


def _broker_enqueue(producer) -> Enqueue:
    """Return an enqueue function publishing send tasks through one broker producer."""
    from checklists.tasks import reminders_send

    def enqueue(slots: list[tuple[int, datetime]]) -> None:
        with producer.batch():  # transports without batches publish each message at once
            for patient_id, slot in slots:
                # retry=False: with the broker down, fail now and let a later sweep queue the slot again.
                reminders_send.apply_async((patient_id, slot.isoformat()), retry=False, producer=producer)

    return enqueue


def _uses_skip_locked() -> bool:
    return connection.vendor == "postgresql"


# Namespace of the per-patient advisory locks the PostgreSQL sweep takes (any constant int4).
SWEEP_LOCK_NAMESPACE = 0x524C5331

# One group of claimed reminders that share a slot and everything their next slot depends on:
# (slot, local_time, weekdays, on_date, zone, quiet start, quiet end, reminder ids, patient ids).
ClaimedGroup = tuple[datetime, time, int, date | None, str, time | None, time | None, list[int], list[int]]

# Claims the due reminders of the patients behind the first ``limit`` due reminders (found through the
# reminder_due index), skipping patients another sweep holds, and inserts their deliveries; returns
# them grouped by schedule, so Python computes each group's next slot once.
CLAIM_SQL = """
    WITH first_due AS (
        SELECT patient_id FROM checklists_reminder
        WHERE active AND next_fire_at <= %(now)s
        ORDER BY next_fire_at LIMIT %(limit)s
    ), mine AS MATERIALIZED (
        SELECT patient_id FROM (SELECT DISTINCT patient_id FROM first_due) candidates
        WHERE pg_try_advisory_xact_lock(%(namespace)s, (patient_id %% 2147483647)::int)
    ), due AS (
        SELECT id, patient_id, next_fire_at, local_time, weekdays, on_date FROM checklists_reminder
        WHERE patient_id = ANY(ARRAY(SELECT patient_id FROM mine)) AND active AND next_fire_at <= %(now)s
        FOR UPDATE SKIP LOCKED
    ), inserted AS (
        INSERT INTO checklists_delivery (reminder_id, patient_id, slot, channel, status, attempts,
                                         last_error, created_at, queued_at)
        SELECT id, patient_id, next_fire_at, '', 'pending', 0, '', %(now)s, %(now)s FROM due
        ON CONFLICT (reminder_id, slot) DO NOTHING
    )
    SELECT due.next_fire_at, due.local_time, due.weekdays, due.on_date,
           p.time_zone, p.quiet_hours_start, p.quiet_hours_end,
           array_agg(due.id), array_agg(DISTINCT due.patient_id)
    FROM due JOIN checklists_patient p ON p.id = due.patient_id
    GROUP BY 1, 2, 3, 4, 5, 6, 7
"""


def _claim_batch_postgresql(now: datetime, limit: int) -> list[ClaimedGroup]:
    """Claim a batch of due reminders and insert their deliveries, in one statement.

    A patient's due reminders are claimed together (a transaction-scoped advisory lock per patient),
    so each (patient, slot) gets one send task even with several sweeps running; the reminder rows
    themselves are locked with ``FOR UPDATE SKIP LOCKED``. Returns the claimed reminders in groups.
    """
    with connection.cursor() as cursor:
        cursor.execute(CLAIM_SQL, {"now": now, "limit": limit, "namespace": SWEEP_LOCK_NAMESPACE})
        return cursor.fetchall()


def _advance_postgresql(groups: dict[datetime | None, list[int]]) -> None:
    with connection.cursor() as cursor:
        for next_at, ids in groups.items():
            cursor.execute(
                "UPDATE checklists_reminder SET next_fire_at = %s, snoozed_until = NULL WHERE id = ANY(%s)",
                [next_at, ids],
            )


def _claim_batch_conditional(now: datetime, limit: int) -> list[ClaimedGroup]:
    """Claim the due reminders of the patients behind the first ``limit`` due reminders with a
    conditional UPDATE each (``next_fire_at`` unchanged since read); an UPDATE that touches no row
    lost to another sweep.

    Inserts the deliveries of the reminders this sweep won and returns them grouped as the PostgreSQL
    claim does. (SQLite runs one writing transaction at a time, so a patient's reminders are claimed
    together here too.)
    """
    due = Reminder.objects.filter(active=True, next_fire_at__lte=now)
    patients = set(due.order_by("next_fire_at").values_list("patient_id", flat=True)[:limit])
    rows = due.filter(patient_id__in=patients).values_list(
        "id",
        "patient_id",
        "next_fire_at",
        "local_time",
        "weekdays",
        "on_date",
        "patient__time_zone",
        "patient__quiet_hours_start",
        "patient__quiet_hours_end",
    )
    groups: dict[tuple, tuple[list[int], list[int]]] = defaultdict(lambda: ([], []))
    won = []
    for rid, patient_id, slot, *schedule_fields in rows:
        # Park the claimed row just past its slot; _advance sets the real next slot in this transaction.
        if Reminder.objects.filter(pk=rid, next_fire_at=slot, active=True).update(next_fire_at=None) != 1:
            continue
        won.append(Delivery(reminder_id=rid, patient_id=patient_id, slot=slot, queued_at=now, created_at=now))
        ids, patient_ids = groups[(slot, *schedule_fields)]
        ids.append(rid)
        if patient_id not in patient_ids:
            patient_ids.append(patient_id)
    Delivery.objects.bulk_create(won, ignore_conflicts=True)
    return [(*key, ids, patient_ids) for key, (ids, patient_ids) in groups.items()]


def _advance_conditional(groups: dict[datetime | None, list[int]]) -> None:
    for next_at, ids in groups.items():
        Reminder.objects.filter(pk__in=ids).update(next_fire_at=next_at, snoozed_until=None)


def _next_slots(groups: list[ClaimedGroup], now: datetime) -> dict[datetime | None, list[int]]:
    """Return the claimed reminder ids by their next slot (computed once per group)."""
    advance: dict[datetime | None, list[int]] = defaultdict(list)
    for slot, local_time, weekdays, on_date, zone, quiet_start, quiet_end, ids, _ in groups:
        next_at = schedule.next_fire(
            after=max(slot, now),  # never replay a backlog: after downtime, the first slot after now
            at=local_time,
            zone=ZoneInfo(zone),
            weekdays=weekdays,
            on_date=on_date,
            quiet_start=quiet_start,
            quiet_end=quiet_end,
        )
        advance[next_at].extend(ids)
    return advance


def _enqueue_groups(slots: Iterable[tuple[int, datetime]], enqueue: Enqueue, result: SweepResult) -> None:
    """Queue one send task per (patient, slot); on a broker failure mark the rest as not queued."""
    slots = sorted(set(slots))
    for start in range(0, len(slots), PUBLISH_BATCH_SIZE):
        batch = slots[start : start + PUBLISH_BATCH_SIZE]
        try:
            enqueue(batch)
        except Exception:
            logger.warning("broker unavailable: %d reminder slots wait in the database", len(slots) - start)
            result.enqueue_failed = True
            for later_patient, later_slot in slots[start:]:
                Delivery.objects.filter(
                    patient_id=later_patient, slot=later_slot, status=DeliveryStatus.PENDING
                ).update(queued_at=None)
            return
        result.queued += len(batch)


def reminders_claim_batch(*, now: datetime, limit: int) -> tuple[int, int, list[tuple[int, datetime]]]:
    """Claim the due reminders of the patients behind the first ``limit`` due ones in one
    transaction: insert their deliveries and advance ``next_fire_at``. Returns (claimed, deliveries
    inserted, distinct (patient id, slot) pairs)."""
    with transaction.atomic():
        if _uses_skip_locked():
            groups = _claim_batch_postgresql(now, limit)
            _advance_postgresql(_next_slots(groups, now))
        else:
            groups = _claim_batch_conditional(now, limit)
            _advance_conditional(_next_slots(groups, now))
    claimed = sum(len(group[7]) for group in groups)
    slots = {(patient_id, group[0]) for group in groups for patient_id in group[8]}
    return claimed, claimed, list(slots)


def _requeue_stale(now: datetime, enqueue: Enqueue, result: SweepResult) -> None:
    """Queue again the slots whose send task was lost: never queued (broker down), queued long ago
    and still pending, or stuck "sending" after its worker died."""
    sending_cutoff = now - timedelta(seconds=settings.REMINDER_SENDING_TIMEOUT_SECONDS)
    requeue_cutoff = now - timedelta(seconds=settings.REMINDER_REQUEUE_AFTER_SECONDS)
    stale = Delivery.objects.filter(
        Q(status=DeliveryStatus.SENDING, started_at__lt=sending_cutoff)
        | Q(status=DeliveryStatus.PENDING, queued_at__isnull=True)
        | Q(status=DeliveryStatus.PENDING, queued_at__lt=requeue_cutoff)
    )
    # Pushes that asked to be retried later wait for their time.
    stale = stale.exclude(retry_at__gt=now)
    slots = set()
    with transaction.atomic():
        rows = list(stale.values_list("id", "patient_id", "slot", "status", "started_at")[:10_000])
        for did, patient_id, slot, status, started_at in rows:
            # Conditional: another sweep or a late worker may have moved this row meanwhile. The
            # patient and slot give the planner an index condition whatever the statistics say
            # (see _finish).
            moved = Delivery.objects.filter(
                pk=did, patient_id=patient_id, slot=slot, status=status, started_at=started_at
            ).update(status=DeliveryStatus.PENDING, queued_at=now)
            if moved == 1:
                slots.add((patient_id, slot))
    result.requeued = len(slots)
    queued_before = result.queued
    _enqueue_groups(slots, enqueue, result)
    result.queued = queued_before


def reminders_sweep(
    *, now: datetime | None = None, batch_size: int | None = None, enqueue: Enqueue | None = None
) -> SweepResult:
    """Claim every reminder due at ``now`` (about ``batch_size`` per transaction), write its
    deliveries, queue one send task per patient and slot (through ``enqueue``, by default the
    Celery broker), and queue again the lost ones. Safe to run concurrently. Returns what it did."""
    now = now or timezone.now()
    batch_size = batch_size or settings.REMINDER_SWEEP_BATCH_SIZE
    if enqueue is not None:
        return _sweep(now, batch_size, enqueue)
    from checklists.tasks import reminders_send

    with reminders_send.app.producer_or_acquire() as producer:
        return _sweep(now, batch_size, _broker_enqueue(producer))


def _sweep(now: datetime, batch_size: int, enqueue: Enqueue) -> SweepResult:
    result = SweepResult()
    # Claim every batch first, then queue the send tasks: the claims commit quickly, and the workers
    # the first tasks would wake do not compete with them.
    slots: list[tuple[int, datetime]] = []
    while True:
        claimed, inserted, batch_slots = reminders_claim_batch(now=now, limit=batch_size)
        if not claimed:
            break
        result.claimed += claimed
        result.deliveries += inserted
        slots.extend(batch_slots)
    _enqueue_groups(slots, enqueue, result)
    if not result.enqueue_failed:
        _requeue_stale(now, enqueue, result)
    return result


# --- sending --------------------------------------------------------------------------------------


@dataclass
class SendResult:
    """What a send task did for one patient's slot."""

    status: str
    channel: str = ""
    tasks: int = 0
    payload: dict | None = None


def _claim_deliveries(
    patient_id: int, slot: datetime, now: datetime
) -> tuple[list[tuple[int, int]], str, str]:
    """Move this slot's pending deliveries to "sending" in one conditional UPDATE (a concurrent task
    re-checks the status and gets nothing). Returns the (delivery id, reminder id) pairs this task
    now owns, and the patient's time zone and language ("" when it owns none)."""
    db_now, db_slot = (connection.ops.adapt_datetimefield_value(value) for value in (now, slot))
    with server_binding_cursor() as cursor:
        cursor.execute(
            """UPDATE checklists_delivery SET status = %s, started_at = %s, attempts = attempts + 1
               WHERE patient_id = %s AND slot = %s AND status = %s AND (retry_at IS NULL OR retry_at <= %s)
               RETURNING id, reminder_id,
                   (SELECT time_zone FROM checklists_patient p WHERE p.id = checklists_delivery.patient_id),
                   (SELECT language FROM checklists_patient p WHERE p.id = checklists_delivery.patient_id)""",
            [DeliveryStatus.SENDING, db_now, patient_id, db_slot, DeliveryStatus.PENDING, db_now],
        )
        rows = cursor.fetchall()
    if not rows:
        return [], "", ""
    return [(row[0], row[1]) for row in rows], rows[0][2], rows[0][3]


@dataclass
class SlotReminder:
    """A claimed reminder with what the send-time decision needs: its checklist's items (due window
    and done state on the slot's day), whether that day's diary entry exists, and whether its
    follow-up is still planned."""

    id: int
    kind: str
    only_if_not_done: bool
    diary_done: bool
    follow_up_planned: bool
    items: list[tuple[DueWindow, bool]] = field(default_factory=list)


# Everything the send-time decision needs in one round trip: one row per claimed reminder, or per
# item of its checklist (inactive checklists bring none). Plain SQL because the send task runs once
# per patient and slot, and the four ORM queries it replaces cost more CPU than the rest of the task.
SLOT_REMINDERS_SQL = """
    SELECT r.id, r.kind, r.only_if_not_done,
           EXISTS (SELECT 1 FROM checklists_diaryentry e WHERE e.patient_id = r.patient_id AND e.date = %s),
           EXISTS (SELECT 1 FROM checklists_followup f WHERE f.id = r.follow_up_id AND f.status = %s),
           i.id, i.retired_at, i.due_from, a.start_date, a.end_date, a.weekdays,
           EXISTS (SELECT 1 FROM checklists_checkoff c WHERE c.item_id = i.id AND c.date = %s AND c.done)
    FROM checklists_reminder r
    LEFT JOIN checklists_assignment a ON a.id = r.assignment_id AND a.active
    LEFT JOIN checklists_assignmentitem i ON i.assignment_id = a.id
    WHERE {reminder_ids}
    ORDER BY r.id, i.position, i.id
"""


def _slot_reminders(reminder_ids: list[int], day: date, zone: ZoneInfo) -> list[SlotReminder]:
    """Return the reminders ``reminder_ids`` that still exist, by id, loaded for a send on ``day``."""
    db_day = connection.ops.adapt_datefield_value(day)
    ids, id_params = any_of("r.id", reminder_ids)
    with server_binding_cursor() as cursor:
        cursor.execute(
            SLOT_REMINDERS_SQL.format(reminder_ids=ids), [db_day, FollowUpStatus.PLANNED, db_day, *id_params]
        )
        rows = cursor.fetchall()
    # The ORM's conversion of a raw retired_at (SQLite gives it back naive).
    as_datetime = column_converter(AssignmentItem._meta.get_field("retired_at"))
    loaded: dict[int, SlotReminder] = {}
    for rid, kind, only_if_not_done, diary_done, planned, item_id, *window_fields, done in rows:
        reminder = loaded.get(rid)
        if reminder is None:
            reminder = loaded[rid] = SlotReminder(
                rid, kind, bool(only_if_not_done), bool(diary_done), bool(planned)
            )
        if item_id is not None:
            retired_at, *dates = window_fields
            [window] = due_windows([(item_id, as_datetime(retired_at), *dates)], zone)
            reminder.items.append((window, bool(done)))
    return list(loaded.values())


def _still_due(reminders: list[SlotReminder], day: date) -> tuple[list[SlotReminder], list[int], int]:
    """Decide at send time: returns (reminders still due, open item ids, number of care tasks).

    A checklist reminder counts the items due on ``day`` by the rule the Today screen and the
    adherence figures use (``selectors.window_is_due``), not yet done if "only if not done"; a diary
    reminder is due unless the day's entry exists; a follow-up reminder while its follow-up is
    planned; other kinds count one task each.
    """
    due, items, tasks = [], [], 0
    for reminder in reminders:
        if reminder.kind == ReminderKind.ASSIGNMENT:
            open_items = [
                window[0]
                for window, done in reminder.items
                if window_is_due(window, day) and not (reminder.only_if_not_done and done)
            ]
            if not open_items:
                continue
            items.extend(open_items)
            tasks += len(open_items)
        elif reminder.kind == ReminderKind.DIARY:
            if reminder.only_if_not_done and reminder.diary_done:
                continue
            tasks += 1
        elif reminder.kind == ReminderKind.FOLLOW_UP:
            if not reminder.follow_up_planned:
                continue  # done, skipped or cancelled since the reminder was set
            tasks += 1
        else:
            tasks += 1
        due.append(reminder)
    return due, sorted(set(items)), tasks


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


def _finish(patient_id: int, slot: datetime, ids: list[int], **fields) -> None:
    """Record the outcome of this task's claimed deliveries ``ids`` (still "sending").

    Filters on the patient and slot too: with an index condition on them, the planner cannot scan the
    whole partial ``delivery_unfinished`` index, which the statistics of a mostly-sent table make
    look nearly empty right after a sweep's burst of inserts. Plain SQL: the ORM's compile of this
    UPDATE cost more CPU than the database spent running it."""
    quote = connection.ops.quote_name
    sets = ", ".join(f"{quote(Delivery._meta.get_field(name).column)} = %s" for name in fields)
    owned, id_params = any_of("id", ids)
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
        claimed, zone_name, language = _claim_deliveries(patient_id, slot, now)
        if not claimed:
            return SendResult(status="none")
        with translation.override(language):
            payload, due_ids, tasks = _decide(patient_id, claimed, slot, ZoneInfo(zone_name), now)
    if payload is None:
        return SendResult(status=DeliveryStatus.SKIPPED)
    with translation.override(language):
        return _send(patient_id, slot, payload, due_ids, tasks, now)


def _decide(
    patient_id: int, claimed: list[tuple[int, int]], slot: datetime, zone: ZoneInfo, now: datetime
) -> tuple[dict | None, list[int], int]:
    """Mark the claimed deliveries no longer due as skipped and write the feed entry for the rest.

    Returns (payload, delivery ids to send, number of care tasks); the payload is None when nothing is
    still due (everything done, or the reminders deleted since the sweep).
    """
    delivery_of = {reminder_id: delivery_id for delivery_id, reminder_id in claimed}
    day = slot.astimezone(zone).date()
    due, items, tasks = _still_due(_slot_reminders(sorted(delivery_of), day, zone), day)
    due_ids = [delivery_of[r.id] for r in due]
    skipped_ids = sorted(set(delivery_of.values()) - set(due_ids))
    if skipped_ids:
        _finish(patient_id, slot, skipped_ids, status=DeliveryStatus.SKIPPED, sent_at=now)
    if not due:
        return None, [], 0
    payload = reminder_payload(slot=slot, day=day, tasks=tasks, items=items, reminder_ids=[r.id for r in due])
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
            "reminder_ids": payload["reminder_ids"],
            "created_at": now,
        },
        skip_on_conflict=["patient", "slot"],  # a retried slot keeps its first feed entry
    )
    return payload, due_ids, tasks


def _send(
    patient_id: int, slot: datetime, payload: dict, due_ids: list[int], tasks: int, now: datetime
) -> SendResult:
    """Push the claimed slot's payload, else email it (in the patient's language); record the outcome
    and what the push found out about the subscriptions in one transaction."""
    outcome = push.push_to_patient(patient_id=patient_id, payload=payload)
    attempts = 1
    if outcome.retry and not outcome.delivered:  # only a retry's backoff needs the count
        attempts = Delivery.objects.filter(pk__in=due_ids).values_list("attempts", flat=True).first() or 1
    if outcome.delivered:
        channel = DeliveryChannel.PUSH
        result = SendResult(status=DeliveryStatus.SENT, channel=channel, tasks=tasks, payload=payload)
        fields = {"status": DeliveryStatus.SENT, "channel": channel, "sent_at": timezone.now()}
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
        if push.email_patient(patient_id=patient_id, body=payload["body"], url=payload["url"]):
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
        push.push_record(outcome)
        _finish(patient_id, slot, due_ids, **fields)
    return result
