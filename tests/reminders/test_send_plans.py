"""The send task's statements on deliveries find their rows by (patient, slot), whatever the statistics.

Right after a sweep inserts a burst of pending deliveries, PostgreSQL's statistics still describe a
table where nearly every delivery is sent. With the unfinished-deliveries index keyed on status, the
planner then scanned every pending row of every patient for each send (the 100k benchmark spent
178 s of database CPU on it). This test recreates those statistics and reads the plans of the real
statements as the send runs them.
"""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection

from checklists.models.reminders import Delivery
from checklists.reminders.dispatch import reminders_sweep
from checklists.reminders.send import reminders_send_slot
from tests.reminders.conftest import SLOT, Recorder, due_reminder, subscribe

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="reads PostgreSQL query plans; set DATABASE_URL=postgres://... (CI does)",
    ),
]

SLOTS = 2000


def fill_deliveries(reminder_ids: list[int], patient_id: int, status: str, first: datetime) -> None:
    """Insert one delivery per reminder for each of SLOTS hourly slots from ``first``
    (queued at SLOT, so the sweep at SLOT does not queue them again)."""
    with connection.cursor() as cursor:
        cursor.execute(
            """INSERT INTO checklists_delivery (reminder_id, patient_id, slot, channel, status, attempts,
                   last_error, created_at, queued_at)
               SELECT r, %s, %s + n * interval '1 hour', '', %s, 0, '', %s, %s
               FROM unnest(%s::bigint[]) r, generate_series(0, %s - 1) n""",
            [patient_id, first, status, SLOT, SLOT, reminder_ids, SLOTS],
        )


def delivery_scans(plan: dict) -> list[dict]:
    """Return the plan nodes that read checklists_delivery (scans, not the UPDATE node itself)."""
    reads = plan.get("Relation Name") == "checklists_delivery" and plan["Node Type"] != "ModifyTable"
    found = [plan] if reads else []
    for child in plan.get("Plans", []):
        found += delivery_scans(child)
    return found


def condition(scan: dict) -> str:
    """Return what a scan finds its rows by: its index condition (for a bitmap heap scan, the
    condition its bitmap index scans share), "" for a sequential scan."""
    return scan.get("Index Cond") or scan.get("Recheck Cond") or ""


def test_claim_and_outcome_use_patient_and_slot_with_stale_statistics(patient, vapid, fake_push):
    subscribe(patient, fake_push, "phone")
    ids = [due_reminder(patient).pk for _ in range(10)]
    # A history of sent deliveries, analyzed; then a burst of pending ones the statistics miss.
    fill_deliveries(ids, patient.pk, "sent", SLOT - timedelta(days=200))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE checklists_delivery")
    fill_deliveries(ids, patient.pk, "pending", datetime(2030, 1, 1, tzinfo=UTC))
    reminders_sweep(now=SLOT, enqueue=Recorder())

    plans: list[tuple[str, list[dict]]] = []

    def explain(execute, sql, params, many, context):
        if "checklists_delivery" in sql and not many:
            cursor = context["cursor"].cursor  # the driver's own: not through this wrapper again
            cursor.execute("EXPLAIN (FORMAT JSON) " + sql, params)
            plans.append((sql, delivery_scans(cursor.fetchone()[0][0]["Plan"])))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(explain):
        result = reminders_send_slot(patient_id=patient.pk, slot=SLOT)

    assert result.channel == "push"
    assert set(Delivery.objects.filter(slot=SLOT).values_list("status", flat=True)) == {"sent"}
    assert len(plans) >= 2  # the claim and the outcome
    for sql, scans in plans:
        assert scans, sql
        for scan in scans:
            assert "patient_id" in condition(scan), (sql, scan)
