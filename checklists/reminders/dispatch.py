"""Reminder writes and dispatch (the database is the queue, as in healthchecks' ``sendalerts``).

- ``reminders_sweep`` claims due reminders atomically (``SELECT ... FOR UPDATE SKIP LOCKED`` on
  PostgreSQL; a conditional UPDATE elsewhere), writes one ``Delivery`` per (reminder, slot), advances
  ``next_fire_at`` and queues each (patient, slot) ONCE (the broker's enqueue packs up to
  REMINDER_SEND_BATCH of them in one send task: checklists.tasks). Any number of sweeps may run at
  once: a slot is claimed by exactly one of them, and the unique (reminder, slot) backs that up.
- ``reminders_send_slots`` (the send task's body) claims those slots' pending deliveries, decides at
  send time what is still not done, writes the in-app notification and pushes or emails it.
- Deliveries whose task was lost (broker down, worker killed) are queued again by a later sweep.
"""

import logging
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from checklists.models.reminders import Delivery, DeliveryStatus, Reminder
from checklists.reminders.schedule import in_quiet_hours, next_fire

logger = logging.getLogger(__name__)


@dataclass
class SweepResult:
    """What one sweep did: reminders claimed, deliveries written, send tasks queued, retried."""

    claimed: int = 0
    deliveries: int = 0
    queued: int = 0
    requeued: int = 0
    enqueue_failed: bool = False


# Queues each (patient id, slot) for a send task; raises when the broker failed (some may have been
# queued).
Enqueue = Callable[[list[tuple[int, datetime]]], None]
# Send tasks are published this many at a time, in one round trip to Redis (kombu's publish batch).
PUBLISH_BATCH_SIZE = 1000


def _uses_skip_locked() -> bool:
    return connection.vendor == "postgresql"


# Namespace of the per-patient advisory locks the PostgreSQL sweep takes (any constant int4).
SWEEP_LOCK_NAMESPACE = 0x524C5331
# One group of claimed reminders that share a slot and everything their next slot depends on:
# (slot, local_time, weekdays, on_date, zone, quiet start, quiet end, repeat every (minutes), repeat at
# most, repeat round of this slot, reminder ids, patient ids).
ClaimedGroup = tuple[
    datetime,
    time,
    int,
    date | None,
    str,
    time | None,
    time | None,
    int | None,
    int,
    int,
    list[int],
    list[int],
]
# The next slot of claimed reminders, and its repeat round (0: a regular slot).
NextSlot = tuple[datetime | None, int]
# Claims the due reminders of the patients behind the first ``limit`` due reminders (found through the
# reminder_due index), skipping patients another sweep holds, and inserts their deliveries; returns
# them grouped by schedule, so Python computes each group's next slot once.
# Raw SQL: 8.3 ms vs 55 ms for the ORM's 4 queries (6.7x wall, 150x CPU) claiming 1,200 reminders of
# 200 patients, PostgreSQL; bench/sql_bench.py (2026-12-01).
CLAIM_SQL = """
    WITH first_due AS (
        SELECT patient_id FROM checklists_reminder
        WHERE active AND next_fire_at <= %(now)s
        ORDER BY next_fire_at LIMIT %(limit)s
    ), mine AS MATERIALIZED (
        SELECT patient_id FROM (SELECT DISTINCT patient_id FROM first_due) candidates
        WHERE pg_try_advisory_xact_lock(%(namespace)s, (patient_id %% 2147483647)::int)
    ), due AS (
        SELECT id, patient_id, next_fire_at, local_time, weekdays, on_date,
               repeat_every_minutes, repeat_max_times, repeat_round FROM checklists_reminder
        WHERE patient_id = ANY(ARRAY(SELECT patient_id FROM mine)) AND active AND next_fire_at <= %(now)s
        FOR UPDATE SKIP LOCKED
    ), inserted AS (
        INSERT INTO checklists_delivery (reminder_id, patient_id, slot, channel, status, attempts,
                                         last_error, created_at, queued_at, repeat_round)
        SELECT id, patient_id, next_fire_at, '', 'pending', 0, '', %(now)s, %(now)s, repeat_round FROM due
        ON CONFLICT (reminder_id, slot) DO NOTHING
    )
    SELECT due.next_fire_at, due.local_time, due.weekdays, due.on_date,
           p.time_zone, p.quiet_hours_start, p.quiet_hours_end,
           due.repeat_every_minutes, due.repeat_max_times, due.repeat_round,
           array_agg(due.id), array_agg(DISTINCT due.patient_id)
    FROM due JOIN checklists_patient p ON p.id = due.patient_id
    GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10
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


def _advance_postgresql(groups: dict[NextSlot, list[int]]) -> None:
    with connection.cursor() as cursor:
        for (next_at, repeat_round), ids in groups.items():
            # Raw SQL: 12.8 ms vs 18.7 ms for _advance_conditional's ORM UPDATEs (1.46x wall, 4.5x
            # CPU), 1,200 reminders in 13 statements, PostgreSQL; bench/sql_bench.py (2026-12-01).
            cursor.execute(
                "UPDATE checklists_reminder SET next_fire_at = %s, repeat_round = %s, snoozed_until = NULL "
                "WHERE id = ANY(%s)",
                [next_at, repeat_round, ids],
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
        "repeat_every_minutes",
        "repeat_max_times",
        "repeat_round",
    )
    groups: dict[tuple, tuple[list[int], list[int]]] = defaultdict(lambda: ([], []))
    won = []
    for rid, patient_id, slot, *schedule_fields in rows:
        repeat_round = schedule_fields[-1]
        assert isinstance(repeat_round, int)
        assert slot is not None  # the rows are due: next_fire_at <= now
        # Park the claimed row just past its slot; _advance sets the real next slot in this transaction.
        if Reminder.objects.filter(pk=rid, next_fire_at=slot, active=True).update(next_fire_at=None) != 1:
            continue
        won.append(
            Delivery(
                reminder_id=rid,
                patient_id=patient_id,
                slot=slot,
                queued_at=now,
                created_at=now,
                repeat_round=repeat_round,
            )
        )
        ids, patient_ids = groups[(slot, *schedule_fields)]
        ids.append(rid)
        if patient_id not in patient_ids:
            patient_ids.append(patient_id)
    Delivery.objects.bulk_create(won, ignore_conflicts=True)
    return [(*key, ids, patient_ids) for key, (ids, patient_ids) in groups.items()]


def _advance_conditional(groups: dict[NextSlot, list[int]]) -> None:
    for (next_at, repeat_round), ids in groups.items():
        Reminder.objects.filter(pk__in=ids).update(
            next_fire_at=next_at, repeat_round=repeat_round, snoozed_until=None
        )


def next_repeat(
    *,
    slot: datetime,
    now: datetime,
    every_minutes: int | None,
    max_times: int,
    repeat_round: int,
    regular: datetime | None,
    zone: tzinfo,
    quiet_start: time | None,
    quiet_end: time | None,
) -> NextSlot | None:
    """Return the "remind again" slot after ``slot`` and its round, or None when there is none.

    A repeat comes ``every_minutes`` after the slot (or after ``now``, past a backlog), at most
    ``max_times`` times; never on the next local day, in quiet hours, or at or after the reminder's
    next regular slot ``regular``. Whether it is still due (not done) is decided at send time.
    """
    if not every_minutes or repeat_round >= min(max_times, settings.REMINDER_REPEAT_MAX_TIMES):
        return None
    at = max(slot, now) + timedelta(minutes=every_minutes)
    local = at.astimezone(zone)
    if local.date() != slot.astimezone(zone).date():
        return None  # the end of the day
    if in_quiet_hours(local.time().replace(tzinfo=None), quiet_start, quiet_end):
        return None
    if regular is not None and at >= regular:
        return None
    return at, repeat_round + 1


def _next_slots(groups: list[ClaimedGroup], now: datetime) -> dict[NextSlot, list[int]]:
    """Return the claimed reminder ids by their next slot and its round (computed once per group)."""
    advance: dict[NextSlot, list[int]] = defaultdict(list)
    for group in groups:
        slot, local_time, weekdays, on_date, zone_name, quiet_start, quiet_end = group[:7]
        every_minutes, max_times, repeat_round, ids = group[7:11]
        zone = ZoneInfo(zone_name)
        next_at = next_fire(
            after=max(slot, now),  # never replay a backlog: after downtime, the first slot after now
            at=local_time,
            zone=zone,
            weekdays=weekdays,
            on_date=on_date,
            quiet_start=quiet_start,
            quiet_end=quiet_end,
        )
        repeat = next_repeat(
            slot=slot,
            now=now,
            every_minutes=every_minutes,
            max_times=max_times,
            repeat_round=repeat_round,
            regular=next_at,
            zone=zone,
            quiet_start=quiet_start,
            quiet_end=quiet_end,
        )
        advance[repeat or (next_at, 0)].extend(ids)
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
    claimed = sum(len(group[-2]) for group in groups)
    slots = {(patient_id, group[0]) for group in groups for patient_id in group[-1]}
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
    *, enqueue: Enqueue, now: datetime | None = None, batch_size: int | None = None
) -> SweepResult:
    """Claim every reminder due at ``now`` (about ``batch_size`` per transaction), write its
    deliveries, queue one send task per patient and slot through ``enqueue`` (the Celery tasks pass
    the broker's), and queue again the lost ones. Safe to run concurrently. Returns what it did."""
    return _sweep(now or timezone.now(), batch_size or settings.REMINDER_SWEEP_BATCH_SIZE, enqueue)


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
