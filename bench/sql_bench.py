"""Every hand-written SQL statement of the app against an ORM query that returns the same result.

    .venv/bin/python bench/sql_bench.py            # PostgreSQL: (re)creates the database rls_bench_sql
    .venv/bin/python bench/sql_bench.py --sqlite   # the same on a temporary SQLite file

It migrates a fresh database and seeds it with the app's own services (patients, three checklists of
ten items each, their reminders, a follow-up, push subscriptions), then bulk-inserts 30 days of
history: check-offs, diary entries, sync op ids, deliveries and in-app notifications. For each
statement it runs the app's code (the function that runs the statement and turns its rows into
values) and an ORM version written here, first asserting that both give the same result and leave
the same rows behind, then timing them alternately, ``--calls`` calls per repeat. Each call runs in
a transaction that is rolled back afterwards (opened before and rolled back after the timed part),
so writes find the same rows every time.

Prints per statement: milliseconds per call, the median over ``--repeats`` repeats of this process's
CPU time (time.process_time: Python, Django and the driver) and of the wall time (the database's work
included), the ratio ORM/raw of both, and the number of queries each side sends. Settings as in
production (DEBUG=0, prepared statements on PostgreSQL from their 5th run); every case is warmed up
before it is timed.
"""

import argparse
import gc
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from unittest import mock
from zoneinfo import ZoneInfo

from benchlib import log, recreate_database

if TYPE_CHECKING:  # the app's modules load only once Django is set up
    from django.contrib.auth.models import AbstractBaseUser

    from checklists.models import Patient

ROOT = Path(__file__).resolve().parent.parent
PG_SERVER = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
DB_NAME = "rls_bench_sql"
ZONES = ["Europe/Berlin", "America/New_York", "Asia/Kolkata", "Australia/Sydney", "UTC"]
CHECKLISTS = [
    ("Bench lifestyle A", "lifestyle"),
    ("Bench lifestyle B", "lifestyle"),
    ("Bench triggers", "trigger_avoidance"),
]
ITEMS_PER_CHECKLIST = 10
SYNC_BATCH = 50  # ops per sync request, as bench/api_bench.py sends them (the PWA sends up to 200)
BIG_BATCH = 1000  # the most one sync request may carry (settings.API_SYNC_MAX_OPS)
SETTINGS_ENV = {
    "DEBUG": "0",  # DEBUG logs every query, which would slow both sides
    "SECRET_KEY": "bench-only-secret-key-" + "x" * 40,
    "ALLOWED_HOSTS": "127.0.0.1",
    "LOG_LEVEL": "WARNING",
}


def setup_django(database_url: str, var_dir: Path) -> None:
    os.environ.update(SETTINGS_ENV)
    os.environ["RLS_VAR_DIR"] = str(var_dir)
    os.environ["DATABASE_URL"] = database_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "rlsapp.settings"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def seed(*, patients: int, days: int) -> None:
    """Migrate and seed the database: the app's services for the patients and their plans, bulk
    inserts for the history."""
    from django.core.management import call_command
    from django.db import connection, transaction

    from checklists.accounts.services import patient_create
    from checklists.careplan.services import followup_create
    from checklists.models import (
        AssignmentItem,
        ChecklistTemplate,
        CheckOff,
        DiaryEntry,
        Patient,
        SyncOp,
        TemplateItem,
    )
    from checklists.models.careplan import FollowUpKind
    from checklists.models.reminders import Delivery, DeliveryChannel, DeliveryStatus, Notification, Reminder
    from checklists.plan.services import assignment_create, assignment_item_retire
    from checklists.reminders.services import push_subscription_save

    call_command("migrate", verbosity=0)
    rng = random.Random(14)
    now = datetime.now(UTC).replace(microsecond=0)
    today = now.date()
    first = today - timedelta(days=days - 1)
    with transaction.atomic():
        templates = []
        for name, category in CHECKLISTS:
            template = ChecklistTemplate.objects.create(name=name, category=category)
            TemplateItem.objects.bulk_create(
                TemplateItem(template=template, position=n, text=f"{name}: item {n}", source="bench")
                for n in range(ITEMS_PER_CHECKLIST)
            )
            templates.append(template)
        for n in range(patients):
            patient = patient_create(
                email=f"bench{n}@example.com", time_zone=ZONES[n % len(ZONES)], invite=False
            )
            for template in templates:
                assignment = assignment_create(
                    patient=patient, template=template, assigned_by=None, start_date=first
                )
            retired = assignment.items.order_by("position").last()
            assert retired is not None
            assignment_item_retire(item=retired)  # one item dropped from the last checklist
            followup_create(
                patient=patient, kind=FollowUpKind.FERRITIN_TSAT_LAB, due_date=today + timedelta(days=20)
            )
            for browser in range(1 + n % 2):
                push_subscription_save(
                    patient=patient,
                    endpoint=f"https://push.example.com/send/{n}-{browser}",
                    p256dh="B" * 87,
                    auth="A" * 22,
                )

        # History, set-based: the services above write one row at a time.
        checkoffs, entries, ops = [], [], []
        items = AssignmentItem.objects.values_list("id", "assignment__patient_id")
        for day_index in range(days):
            day = first + timedelta(days=day_index)
            for item_id, patient_id in items:
                if rng.random() < 0.8:  # a patient touches most items, not every item, every day
                    checkoffs.append(
                        CheckOff(item_id=item_id, patient_id=patient_id, date=day, done=rng.random() < 0.9)
                    )
        for patient_id in Patient.objects.values_list("id", flat=True):
            for day_index in range(days):
                day = first + timedelta(days=day_index)
                entries.append(DiaryEntry(patient_id=patient_id, date=day, severity=rng.randint(0, 10)))
                ops.append(SyncOp(op_id=uuid.UUID(int=rng.getrandbits(128)), patient_id=patient_id))
        CheckOff.objects.bulk_create(checkoffs, batch_size=5000)
        DiaryEntry.objects.bulk_create(entries, batch_size=5000)
        SyncOp.objects.bulk_create(ops, batch_size=5000)

        # Deliveries: yesterday's slot pending (its send task not run yet), the day before's still
        # "sending" (its worker died), and the older ones sent, each with its in-app notification.
        deliveries = []
        reminders = Reminder.objects.filter(next_fire_at__isnull=False).values_list(
            "id", "patient_id", "next_fire_at"
        )
        for rid, patient_id, next_at in reminders:
            assert next_at is not None
            for back in range(1, days + 1):
                slot = next_at - timedelta(days=back)
                if back == 1:
                    deliveries.append(
                        Delivery(reminder_id=rid, patient_id=patient_id, slot=slot, queued_at=slot)
                    )
                    continue
                sent = back > 2
                deliveries.append(
                    Delivery(
                        reminder_id=rid,
                        patient_id=patient_id,
                        slot=slot,
                        status=DeliveryStatus.SENT if sent else DeliveryStatus.SENDING,
                        channel=DeliveryChannel.PUSH if sent else "",
                        attempts=1,
                        queued_at=slot,
                        started_at=slot,
                        sent_at=slot if sent else None,
                    )
                )
        Delivery.objects.bulk_create(deliveries, batch_size=5000)
        sent_slots = (
            Delivery.objects.filter(status=DeliveryStatus.SENT)
            .values_list("patient_id", "slot")
            .order_by()
            .distinct()
        )
        notifications = [
            Notification(
                patient_id=patient_id,
                slot=slot,
                local_date=slot.date(),
                title="Reminder",
                body="Time for your checklist",
                items=[1, 2, 3],
            )
            for patient_id, slot in sent_slots
        ]
        Notification.objects.bulk_create(notifications, batch_size=5000)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")


# The code under test where the app has no function that runs just the statement (same lines as the
# app's), and the ORM versions: each returns what the app's code returns and writes the same rows.


def today_rows_raw(patient: "Patient", day: date) -> list[tuple]:
    """TODAY_SQL's rows as plan.selectors.today_for reads them (retired_at converted as there)."""
    from django.db import connection

    from checklists.db.raw import column_converter, server_binding_cursor
    from checklists.models import AssignmentItem
    from checklists.plan.selectors import TODAY_SQL

    with server_binding_cursor() as cursor:
        cursor.execute(TODAY_SQL, [connection.ops.adapt_datefield_value(day), patient.pk])
        rows = cursor.fetchall()
    as_datetime = column_converter(AssignmentItem._meta.get_field("retired_at"))
    return [(*row[:7], as_datetime(row[7]), *row[8:]) for row in rows]


def today_rows_orm(patient: "Patient", day: date) -> list[tuple]:
    from django.db.models import Exists, OuterRef

    from checklists.models import AssignmentItem, CheckOff

    done = Exists(CheckOff.objects.filter(item=OuterRef("pk"), date=day, done=True))
    items = AssignmentItem.objects.filter(assignment__patient=patient, assignment__active=True)
    return list(
        items.annotate(done=done)
        .order_by("assignment__start_date", "assignment_id", "position", "id")
        .values_list(
            "id",
            "text",
            "help_text",
            "source",
            "done",
            "assignment__name",
            "assignment__category",
            "retired_at",
            "due_from",
            "assignment__start_date",
            "assignment__end_date",
            "assignment__weekdays",
            "assignment_id",
            "weekly_target",
        )
    )


def claim_batch_orm(now: datetime, limit: int) -> list[tuple]:
    """The sweep's claim (reminders.dispatch.CLAIM_SQL) in ORM queries: the patients behind the first
    ``limit`` due reminders, the advisory lock of each, their due reminders locked (skip locked), the
    deliveries inserted; grouped as the SQL groups them."""
    from django.db.models import BooleanField, F, Func, IntegerField, Value
    from django.db.models.functions import Cast

    from checklists.models import Patient
    from checklists.models.reminders import Delivery, Reminder
    from checklists.reminders.dispatch import SWEEP_LOCK_NAMESPACE

    due = Reminder.objects.filter(active=True, next_fire_at__lte=now)
    candidates = set(due.order_by("next_fire_at").values_list("patient_id", flat=True)[:limit])
    locked = Func(
        Value(SWEEP_LOCK_NAMESPACE),
        Cast(F("pk") % 2147483647, IntegerField()),
        function="pg_try_advisory_xact_lock",
        output_field=BooleanField(),
    )
    mine = list(Patient.objects.filter(pk__in=candidates).filter(locked).values_list("pk", flat=True))
    rows: list[tuple[Any, ...]] = list(
        due.filter(patient_id__in=mine)
        .select_for_update(skip_locked=True, of=("self",))
        .values_list(
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
    )
    Delivery.objects.bulk_create(
        [
            Delivery(
                reminder_id=rid,
                patient_id=patient_id,
                slot=slot,
                queued_at=now,
                created_at=now,
                repeat_round=schedule[-1],
            )
            for rid, patient_id, slot, *schedule in rows
        ],
        ignore_conflicts=True,
    )
    groups: dict[tuple, tuple[list[int], list[int]]] = defaultdict(lambda: ([], []))
    for rid, patient_id, slot, *schedule in rows:
        ids, patient_ids = groups[(slot, *schedule)]
        ids.append(rid)
        if patient_id not in patient_ids:
            patient_ids.append(patient_id)
    return [(*key, ids, patient_ids) for key, (ids, patient_ids) in groups.items()]


def claim_deliveries_raw(
    patient_id: int, slot: datetime, now: datetime
) -> tuple[list[tuple[int, int, int]], int, str, str]:
    """reminders.send._claim_deliveries for one (patient, slot), in claim_deliveries_orm's shape."""
    from checklists.reminders import send

    claims = send._claim_deliveries([(patient_id, slot)], now)
    if not claims:
        return [], 0, "", ""
    [claim] = claims
    return claim.deliveries, claim.attempts, str(claim.zone), claim.language


def slot_reminders_raw(reminder_ids: list[int], day: date, zone: ZoneInfo) -> list:
    """reminders.send._slot_reminders for one patient's reminders at a slot late on ``day`` (so a
    dose's date is ``day``, as slot_reminders_orm assumes)."""
    from checklists.reminders import send

    slot = datetime.combine(day, datetime.max.time(), zone)
    return send._slot_reminders(
        reminder_ids, day, dict.fromkeys(reminder_ids, zone), dict.fromkeys(reminder_ids, slot)
    )


def finish_raw(patient_id: int, slot: datetime, ids: list[int], **fields: Any) -> None:
    """reminders.send._finish for one (patient, slot)."""
    from checklists.reminders import send

    send._finish([(patient_id, slot)], ids, **fields)


def subscriptions_raw(patient_id: int, limit: int) -> list:
    """reminders.push._subscriptions for one patient."""
    from checklists.reminders.push import _subscriptions

    return _subscriptions([patient_id], limit).get(patient_id, [])


def claim_deliveries_orm(
    patient_id: int, slot: datetime, now: datetime
) -> tuple[list[tuple[int, int, int]], int, str, str]:
    """reminders.send._claim_deliveries in ORM queries: lock the slot's pending rows, update them."""
    from django.db.models import F, Q

    from checklists.models.reminders import Delivery, DeliveryStatus

    pending = Delivery.objects.filter(patient_id=patient_id, slot=slot, status=DeliveryStatus.PENDING).filter(
        Q(retry_at__isnull=True) | Q(retry_at__lte=now)
    )
    rows = list(
        pending.select_for_update(of=("self",))
        .order_by()
        .values_list(
            "id", "reminder_id", "attempts", "patient__time_zone", "patient__language", "repeat_round"
        )
    )
    if not rows:
        return [], 0, "", ""
    Delivery.objects.filter(pk__in=[row[0] for row in rows]).update(
        status=DeliveryStatus.SENDING, started_at=now, attempts=F("attempts") + 1
    )
    return [(row[0], row[1], row[5]) for row in rows], max(row[2] for row in rows) + 1, rows[0][3], rows[0][4]


def slot_reminders_orm(reminder_ids: list[int], day: date, zone: ZoneInfo) -> list:
    """reminders.send._slot_reminders in one ORM query (the active checklist as a filtered relation)."""
    from django.db.models import Exists, FilteredRelation, OuterRef, Q

    from checklists.models import CheckOff, DiaryEntry
    from checklists.models.careplan import FollowUp, FollowUpStatus
    from checklists.models.reminders import Reminder
    from checklists.plan.rules import due_windows
    from checklists.reminders.send import SlotReminder

    rows = (
        Reminder.objects.filter(pk__in=reminder_ids)
        .annotate(
            live=FilteredRelation("assignment", condition=Q(assignment__active=True)),
            diary_done=Exists(DiaryEntry.objects.filter(patient_id=OuterRef("patient_id"), date=day)),
            planned=Exists(
                FollowUp.objects.filter(pk=OuterRef("follow_up_id"), status=FollowUpStatus.PLANNED)
            ),
            item_done=Exists(
                CheckOff.objects.filter(item_id=OuterRef("live__items__id"), date=day, done=True)
            ),
        )
        .order_by("id", "live__items__position", "live__items__id")
        .values_list(
            "id",
            "kind",
            "only_if_not_done",
            "diary_done",
            "planned",
            "live__items__id",
            "live__items__retired_at",
            "live__items__due_from",
            "live__start_date",
            "live__end_date",
            "live__weekdays",
            "live__id",
            "item_done",
        )
    )
    loaded: dict[int, SlotReminder] = {}
    for rid, kind, only_if_not_done, diary_done, planned, item_id, *window_fields, done in rows:
        reminder = loaded.get(rid)
        if reminder is None:
            reminder = loaded[rid] = SlotReminder(rid, kind, only_if_not_done, diary_done, planned)
        if item_id is not None:
            [window] = due_windows([(item_id, *window_fields)], zone)
            reminder.items.append((window, done))
    return list(loaded.values())


def finish_orm(patient_id: int, slot: datetime, ids: list[int], **fields: Any) -> None:
    from checklists.models.reminders import Delivery, DeliveryStatus

    Delivery.objects.filter(
        patient_id=patient_id, slot=slot, status=DeliveryStatus.SENDING, pk__in=ids
    ).update(**fields)


def push_success_orm(ids: list[int]) -> None:
    """push_record's UPDATE for the subscriptions a push reached."""
    from django.utils import timezone

    from checklists.models import PushSubscription

    PushSubscription.objects.filter(pk__in=ids).update(last_success_at=timezone.now(), failure_count=0)


def subscriptions_orm(patient_id: int, limit: int) -> list:
    from checklists.models import PushSubscription
    from checklists.reminders.push import Subscription

    rows = (
        PushSubscription.objects.filter(patient_id=patient_id)
        .order_by("failure_count", "id")
        .values_list("id", "endpoint", "p256dh", "auth", "failure_count", "last_success_at")[:limit]
    )
    return [Subscription(*row) for row in rows]


def user_orm(user_id: int) -> "AbstractBaseUser | None":
    from django.contrib.auth import get_user_model

    user_model = get_user_model()
    try:
        return user_model.objects.select_related("patient").get(pk=user_id)
    except user_model.DoesNotExist:
        return None


def sync_ops_raw(rows: list[tuple]) -> set:
    """The sync's op-id insert (sync.apply._remember_new_ops): returns the op ids not seen before."""
    from checklists.db import bulk
    from checklists.models import SyncOp

    return set(
        bulk.upsert(SyncOp, ("op_id", "patient", "received_at"), rows, unique=("op_id",), returning="op_id")
    )


def sync_ops_orm(rows: list[tuple]) -> set:
    from checklists.models import SyncOp

    ids = [op_id for op_id, _, _ in rows]
    seen = set(SyncOp.objects.filter(op_id__in=ids).values_list("op_id", flat=True))
    SyncOp.objects.bulk_create(
        SyncOp(op_id=op_id, patient_id=patient_id, received_at=at)
        for op_id, patient_id, at in rows
        if op_id not in seen
    )
    return set(ids) - seen


CHECKOFF_FIELDS = ("item", "patient", "date", "done", "op_id", "client_at", "seq", "updated_at")
CHECKOFF_UPDATE = ("done", "op_id", "client_at", "seq", "updated_at")


def checkoffs_raw(rows: list[tuple]) -> None:
    """The sync's check-off upsert (sync.apply._write_winners)."""
    from checklists.db import bulk
    from checklists.models import CheckOff

    bulk.upsert(CheckOff, CHECKOFF_FIELDS, rows, unique=("item", "date"), update=CHECKOFF_UPDATE)


def checkoffs_orm(rows: list[tuple]) -> None:
    from checklists.models import CheckOff

    CheckOff.objects.bulk_create(
        [
            CheckOff(
                **dict(
                    zip(
                        [f"{name}_id" if name in ("item", "patient") else name for name in CHECKOFF_FIELDS],
                        row,
                        strict=True,
                    )
                )
            )
            for row in rows
        ],
        update_conflicts=True,
        unique_fields=["item", "date"],
        update_fields=list(CHECKOFF_UPDATE),
    )


@dataclass
class Case:
    """One hand-written statement: the app's code that runs it and the ORM version of that code."""

    name: str
    raw: Callable[..., Any]
    orm: Callable[..., Any]
    args: list[tuple]  # positional arguments; the calls go round them
    kwargs: dict[str, Any] = field(default_factory=dict)
    after: Callable[..., Any] | None = None  # reads what a write left behind (same arguments)
    normalise: Callable[[Any], Any] = lambda result: result  # for results in no particular order
    calls: int | None = None  # calls per repeat when not --calls (for the slow ones)


def _sorted_groups(groups: list[tuple]) -> list[tuple]:
    return sorted((*group[:-2], sorted(group[-2]), sorted(group[-1])) for group in groups)


def _user_values(user: "AbstractBaseUser | None") -> tuple | None:
    """A user and its patient as plain values (None for no user)."""
    if user is None:
        return None
    patient = getattr(user, "patient", None)  # a user without one raises DoesNotExist, an AttributeError
    values = tuple(getattr(user, f.attname) for f in user._meta.concrete_fields)
    return values, patient and tuple(getattr(patient, f.attname) for f in patient._meta.concrete_fields)


def build_cases(now: datetime, vendor: str, sample_size: int = 20) -> list[Case]:
    """Return the cases, their arguments drawn from ``sample_size`` patients of the seeded data."""
    from django.conf import settings
    from django.db import transaction

    from checklists.models import CheckOff, Patient, PushSubscription, SyncOp
    from checklists.models.reminders import Delivery, DeliveryChannel, DeliveryStatus, Reminder
    from checklists.reminders import dispatch
    from checklists.reminders.push import PushOutcome, push_record
    from checklists.security.backends import user_with_patient

    everyone = list(Patient.objects.order_by("pk"))
    patients = everyone[:: max(1, len(everyone) // sample_size)][:sample_size]
    rng = random.Random(1)

    def slots(status: str) -> list[tuple[int, datetime, list[int], list[int]]]:
        """(patient id, slot, delivery ids, reminder ids) of the sampled patients' slots in ``status``."""
        found: dict[tuple[int, datetime], tuple[list[int], list[int]]] = defaultdict(lambda: ([], []))
        rows = Delivery.objects.filter(status=status, patient__in=patients).values_list(
            "patient_id", "slot", "id", "reminder_id"
        )
        for patient_id, slot, did, rid in rows.order_by("patient_id", "slot", "id"):
            found[(patient_id, slot)][0].append(did)
            found[(patient_id, slot)][1].append(rid)
        return [(patient_id, slot, dids, rids) for (patient_id, slot), (dids, rids) in found.items()]

    pending, sending = slots(DeliveryStatus.PENDING), slots(DeliveryStatus.SENDING)
    zone_of = {patient.pk: ZoneInfo(patient.time_zone) for patient in patients}
    cases = [
        Case(
            "plan/selectors.py TODAY_SQL (today_for)",
            today_rows_raw,
            today_rows_orm,
            [(patient, patient.local_today()) for patient in patients],
        ),
        Case(
            "reminders/send.py claim UPDATE (_claim_deliveries)",
            claim_deliveries_raw,
            claim_deliveries_orm,
            [(patient_id, slot, now) for patient_id, slot, _, _ in pending],
            after=lambda patient_id, slot, now: sorted(
                Delivery.objects.filter(patient_id=patient_id, slot=slot).values_list(
                    "id", "status", "started_at", "attempts"
                )
            ),
            normalise=lambda result: (sorted(result[0]), *result[1:]),
        ),
        Case(
            "reminders/send.py SLOT_REMINDERS_SQL (_slot_reminders)",
            slot_reminders_raw,
            slot_reminders_orm,
            [
                (sorted(rids), slot.astimezone(zone_of[patient_id]).date(), zone_of[patient_id])
                for patient_id, slot, _, rids in pending
            ],
        ),
        Case(
            "reminders/send.py _finish UPDATE",
            finish_raw,
            finish_orm,
            [(patient_id, slot, dids) for patient_id, slot, dids, _ in sending],
            kwargs={"status": DeliveryStatus.SENT, "channel": DeliveryChannel.PUSH, "sent_at": now},
            after=lambda patient_id, slot, ids: sorted(
                Delivery.objects.filter(pk__in=ids).values_list("id", "status", "channel", "sent_at")
            ),
        ),
    ]
    subscription_ids = defaultdict(list)
    for patient_id, sid in PushSubscription.objects.filter(patient__in=patients).values_list(
        "patient_id", "id"
    ):
        subscription_ids[patient_id].append(sid)
    cases += [
        Case(
            "reminders/push.py subscriptions SELECT (_subscriptions)",
            subscriptions_raw,
            subscriptions_orm,
            [(patient.pk, 10) for patient in patients],
        ),
        Case(
            "reminders/push.py push_record UPDATE (successes)",
            lambda ids: push_record(PushOutcome(succeeded_ids=ids)),
            push_success_orm,
            [(ids,) for ids in subscription_ids.values()],
            after=lambda ids: sorted(
                PushSubscription.objects.filter(pk__in=ids).values_list(
                    "id", "last_success_at", "failure_count"
                )
            ),
        ),
        Case(
            "security/backends.py signed-in user with patient (user_with_patient)",
            user_with_patient,
            user_orm,
            [(patient.user_id,) for patient in patients],
            normalise=_user_values,
        ),
    ]

    # The sync: SYNC_BATCH op ids (a fifth sent before) and check-off batches (most keys held).
    def op_rows(patient: Patient) -> list[tuple]:
        seen = list(SyncOp.objects.filter(patient=patient).values_list("op_id", flat=True)[: SYNC_BATCH // 5])
        fresh = [uuid.UUID(int=rng.getrandbits(128)) for _ in range(SYNC_BATCH - len(seen))]
        return [(op_id, patient.pk, now) for op_id in [*fresh, *seen]]

    def checkoff_rows(patient: Patient, count: int) -> list[tuple]:
        items = sorted(patient.assignments.values_list("items__id", flat=True))
        today = patient.local_today()
        keys = [
            (item, today - timedelta(days=back)) for back in range(count // len(items) + 1) for item in items
        ]
        base = 10_000_000 + patient.pk * 10_000
        return [
            (
                item,
                patient.pk,
                day,
                rng.random() < 0.5,
                uuid.UUID(int=rng.getrandbits(128)),
                now,
                base + n,
                now,
            )
            for n, (item, day) in enumerate(keys[:count])
        ]

    def checkoffs_after(rows: list[tuple]) -> list[tuple]:
        fields = ("item_id", "patient_id", "date", "done", "op_id", "client_at", "seq", "updated_at")
        return sorted(
            CheckOff.objects.filter(patient_id=rows[0][1], seq__gte=rows[0][6]).values_list(*fields)
        )

    cases += [
        Case(
            f"sync op ids, {SYNC_BATCH} rows (db/bulk.py upsert ... RETURNING)",
            sync_ops_raw,
            sync_ops_orm,
            [(op_rows(patient),) for patient in patients],
            after=lambda rows: sorted(
                SyncOp.objects.filter(op_id__in=[row[0] for row in rows]).values_list(
                    "op_id", "patient_id", "received_at"
                )
            ),
        ),
        Case(
            f"sync check-offs, {SYNC_BATCH} rows (db/bulk.py upsert)",
            checkoffs_raw,
            checkoffs_orm,
            [(checkoff_rows(patient, SYNC_BATCH),) for patient in patients],
            after=checkoffs_after,
        ),
        Case(
            f"sync check-offs, {BIG_BATCH} rows (db/bulk.py upsert)",
            checkoffs_raw,
            checkoffs_orm,
            [(checkoff_rows(patient, BIG_BATCH),) for patient in patients[:5]],
            after=checkoffs_after,
            calls=10,
        ),
    ]

    if vendor == "postgresql":
        limit = settings.REMINDER_SWEEP_BATCH_SIZE
        with transaction.atomic():
            advance = dict(dispatch._next_slots(dispatch._claim_batch_postgresql(now, limit), now))
            transaction.set_rollback(True)
        advanced = [rid for ids in advance.values() for rid in ids]
        cases += [
            Case(
                "reminders/dispatch.py CLAIM_SQL (_claim_batch_postgresql)",
                dispatch._claim_batch_postgresql,
                claim_batch_orm,
                [(now, limit)],
                after=lambda now, limit: sorted(
                    Delivery.objects.filter(queued_at=now).values_list(
                        "reminder_id", "patient_id", "slot", "status", "created_at"
                    )
                ),
                normalise=_sorted_groups,
                calls=10,
            ),
            Case(
                "reminders/dispatch.py advance UPDATE (_advance_postgresql)",
                dispatch._advance_postgresql,
                dispatch._advance_conditional,
                [(advance,)],
                after=lambda advance: sorted(
                    Reminder.objects.filter(pk__in=advanced).values_list(
                        "id", "next_fire_at", "snoozed_until"
                    )
                ),
                calls=10,
            ),
        ]
    return cases


def in_rolled_back_transaction(
    function: Callable[..., Any], args: tuple, kwargs: dict
) -> tuple[float, float, Any]:
    """Call ``function`` in a transaction that is then rolled back; returns (CPU s, wall s, result) of
    the call alone (the transaction is opened before the clock starts)."""
    from django.db import connection, transaction

    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        cpu, wall = time.process_time(), time.perf_counter()
        result = function(*args, **kwargs)
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        transaction.set_rollback(True)
    return cpu, wall, result


def check(case: Case, now: datetime) -> None:
    """Assert that the app's code and the ORM version return the same and leave the same rows, for
    each argument; ``timezone.now()`` is frozen at ``now`` so the ORM's auto_now fields match."""
    from django.db import transaction

    for args in case.args:
        outcomes = []
        for function in (case.raw, case.orm):
            with transaction.atomic(), mock.patch("django.utils.timezone.now", return_value=now):
                result = case.normalise(function(*args, **case.kwargs))
                left = case.after(*args) if case.after else None
                transaction.set_rollback(True)
            outcomes.append((result, left))
        raw, orm = outcomes
        assert raw == orm, f"{case.name}: the ORM version differs for {args!r}:\nraw {raw!r}\nORM {orm!r}"
        assert any(part not in (None, [], set()) for part in raw), (
            f"{case.name}: nothing to compare for {args!r}"
        )


def count_queries(function: Callable[..., Any], args: tuple, kwargs: dict) -> int:
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        with CaptureQueriesContext(connection) as queries:
            function(*args, **kwargs)
        transaction.set_rollback(True)
    return len(queries.captured_queries)


@dataclass
class Figures:
    cpu_ms: float
    wall_ms: float
    queries: int


def measure(case: Case, *, calls: int, repeats: int) -> tuple[Figures, Figures]:
    """Time the raw and the ORM side alternately (which goes first swaps every repeat); returns the
    medians of the repeats' per-call milliseconds, and each side's query count."""
    sides = {"raw": case.raw, "orm": case.orm}
    samples: dict[str, list[tuple[float, float]]] = {"raw": [], "orm": []}
    for function in sides.values():  # warm up: caches, and statements prepared from their 5th run
        for n in range(10):
            in_rolled_back_transaction(function, case.args[n % len(case.args)], case.kwargs)
    for repeat in range(repeats):
        for side in ("raw", "orm") if repeat % 2 == 0 else ("orm", "raw"):
            gc.collect()
            cpu = wall = 0.0
            for n in range(calls):
                call_cpu, call_wall, _ = in_rolled_back_transaction(
                    sides[side], case.args[n % len(case.args)], case.kwargs
                )
                cpu += call_cpu
                wall += call_wall
            samples[side].append((cpu * 1000 / calls, wall * 1000 / calls))
    raw, orm = (
        Figures(
            cpu_ms=statistics.median(cpu for cpu, _ in samples[side]),
            wall_ms=statistics.median(wall for _, wall in samples[side]),
            queries=count_queries(sides[side], case.args[0], case.kwargs),
        )
        for side in ("raw", "orm")
    )
    return raw, orm


def report(
    results: list[tuple[Case, Figures, Figures]], *, vendor: str, calls: int, repeats: int, argv: str
) -> None:
    """Print the figures as a Markdown table (as bench/RESULTS.md keeps them)."""
    print()
    print(f"{vendor}, {date.today().isoformat()}, `{argv}`: ms per call, median of {repeats} repeats")
    print(f"of {calls} calls (fewer where noted)")
    print()
    print("| statement | raw ms CPU / wall | ORM ms CPU / wall | ORM/raw CPU | ORM/raw wall | queries |")
    print("|---|---|---|---|---|---|")
    for case, raw, orm in results:
        name = case.name if case.calls is None else f"{case.name} [{case.calls} calls]"
        print(
            f"| {name} | {raw.cpu_ms:.3f} / {raw.wall_ms:.3f} | {orm.cpu_ms:.3f} / {orm.wall_ms:.3f} "
            f"| {orm.cpu_ms / raw.cpu_ms:.2f}x | {orm.wall_ms / raw.wall_ms:.2f}x "
            f"| {raw.queries} raw / {orm.queries} ORM |"
        )
    slow = [case.name for case, raw, orm in results if orm.wall_ms / raw.wall_ms < 1.2]
    if slow:
        print()
        print("Less than 1.2x faster than the ORM (wall): " + "; ".join(slow))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sqlite", action="store_true", help="run on a temporary SQLite file")
    parser.add_argument("--patients", type=int, default=200)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--calls", type=int, default=100, help="calls per repeat")
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()

    scratch = Path(tempfile.mkdtemp(prefix="rls-sql-bench-"))
    try:
        if args.sqlite:
            database_url = f"sqlite:///{scratch / 'bench.sqlite3'}"
        else:
            log(f"recreating database {DB_NAME} ...")
            recreate_database(PG_SERVER, DB_NAME)
            database_url = f"{PG_SERVER}/{DB_NAME}"
        setup_django(database_url, scratch)
        from django.db import connection

        from checklists.models.reminders import Reminder

        shape = f"{len(CHECKLISTS)} checklists x {ITEMS_PER_CHECKLIST} items x {args.days} days"
        log(f"seeding {args.patients} patients x {shape} ...")
        started = time.perf_counter()
        seed(patients=args.patients, days=args.days)
        log(f"seeded in {time.perf_counter() - started:.1f} s")
        # One instant for every case: just after the last reminder is due, so the sweep claims them all.
        latest = Reminder.objects.order_by("-next_fire_at").values_list("next_fire_at", flat=True).first()
        assert latest is not None
        now = latest + timedelta(minutes=1)
        results = []
        for case in build_cases(now, connection.vendor):
            check(case, now)
            raw, orm = measure(case, calls=case.calls or args.calls, repeats=args.repeats)
            ratio = orm.wall_ms / raw.wall_ms
            log(f"{case.name}: raw {raw.wall_ms:.3f} ms, ORM {orm.wall_ms:.3f} ms wall ({ratio:.2f}x)")
            results.append((case, raw, orm))
        argv = "bench/sql_bench.py " + " ".join(sys.argv[1:])
        report(results, vendor=connection.vendor, calls=args.calls, repeats=args.repeats, argv=argv.strip())
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
