"""today and sync read a patient's history through indexes that bound each read by a date or change
number, so a longer history costs them nothing (issue 21): the plans PostgreSQL chooses for the very
queries the two endpoints issue, on a history large and analysed enough that a planner would scan a
table whole if no index served."""

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection

from checklists.models import Patient
from tests.api.conftest import checkoff_op, diary_op, make_plan, post_sync
from tests.factories import PatientFactory
from tests.intake.conftest import add_medicine, intake_op

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's query plans"),
]

HISTORY_DAYS = 400
OTHER_PATIENTS = 10
# The tables that grow with every day of every patient, and for each the indexes that bound a read:
# the index's columns, each of which the scan's index condition must name (a patient's rows between
# two dates or change numbers, or one item's or medicine's day), never a patient's whole history.
BOUNDING_INDEXES = {
    "checklists_checkoff": {
        "checkoff_one_per_item_and_day": ("item_id", "date"),
        "checkoff_patient_date": ("patient_id", "date"),
        "checkoff_patient_seq": ("patient_id", "seq"),
    },
    "checklists_diaryentry": {
        "diary_one_per_patient_and_day": ("patient_id", "date"),
        "diary_patient_seq": ("patient_id", "seq"),
    },
    "checklists_intakerecord": {
        "intake_one_per_dose": ("medication_id", "date"),
        "intake_patient_date": ("patient_id", "date"),
        "intake_patient_seq": ("patient_id", "seq"),
    },
    "checklists_delivery": {"delivery_patient_slot": ("patient_id", "slot")},
    "checklists_notification": {"notification_once_per_patient_slot": ("patient_id", "slot")},
}


def seed_history(patient: Patient, days: int) -> None:
    """Give every patient ``days`` days of check-offs, diary entries and intake records (one row per
    item, night and dose), then ANALYZE: the statistics a planner has on a live database."""
    today = patient.local_today()
    first = today - timedelta(days=days)
    last = today - timedelta(days=1)
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO checklists_checkoff (item_id, patient_id, date, done, seq, updated_at)
            SELECT i.id, a.patient_id, d::date, random() < 0.7,
                   row_number() OVER (PARTITION BY a.patient_id ORDER BY d, i.id), now()
            FROM checklists_assignmentitem i
            JOIN checklists_assignment a ON a.id = i.assignment_id
            CROSS JOIN generate_series(%s::date, %s::date, interval '1 day') AS d
            """,
            [first, last],
        )
        cursor.execute(
            """
            INSERT INTO checklists_diaryentry
                (patient_id, date, severity, arms_involved, note, seq, updated_at)
            SELECT p.id, d::date, 5, false, '',
                   1000000 + row_number() OVER (PARTITION BY p.id ORDER BY d), now()
            FROM checklists_patient p
            CROSS JOIN generate_series(%s::date, %s::date, interval '1 day') AS d
            """,
            [first, last],
        )
        cursor.execute(
            """
            INSERT INTO checklists_intakerecord
                (medication_id, patient_id, date, slot, status, reason, seq, updated_at)
            SELECT m.id, m.patient_id, d::date, '19:00', 'taken', '',
                   2000000 + row_number() OVER (PARTITION BY m.patient_id ORDER BY d), now()
            FROM checklists_medication m
            CROSS JOIN generate_series(%s::date, %s::date, interval '1 day') AS d
            """,
            [first, last],
        )
        cursor.execute("UPDATE checklists_patient SET sync_seq = 3000000")
        for table in BOUNDING_INDEXES:
            cursor.execute(f"ANALYZE {table}")


@pytest.fixture
def history(patient) -> dict[str, Any]:
    """The patient's three checklists and medicine, other patients' alike, and HISTORY_DAYS of all."""
    plans = [make_plan(patient, items=10, days_back=HISTORY_DAYS) for _ in range(3)]
    start = patient.local_today() - timedelta(days=HISTORY_DAYS)
    med = add_medicine(patient, dose_times="evening", start_date=start, entered=start)
    for _ in range(OTHER_PATIENTS):
        other = PatientFactory()
        make_plan(other, items=10, days_back=HISTORY_DAYS)
        add_medicine(other, dose_times="evening", start_date=start, entered=start)
    seed_history(patient, HISTORY_DAYS)
    return {"items": [item for plan in plans for item in plan.items.all()], "medicine": med}


def sync_batch(patient: Patient, history: dict[str, Any]) -> list[dict]:
    """Check-offs, diary nights and doses from today back to the first day of the history."""
    today = patient.local_today()
    days = [today - timedelta(days=n) for n in (0, 1, 7, 55, 180, HISTORY_DAYS - 1)]
    ops = [checkoff_op(item, day, at=n) for n, day in enumerate(days) for item in history["items"][::7]]
    ops += [diary_op(day, severity=3, at=n) for n, day in enumerate(days)]
    return ops + [intake_op(history["medicine"], day, "19:00", at=n) for n, day in enumerate(days[:4])]


class Captured:
    """Every statement a block runs on the default connection, with its parameters and cursor class."""

    def __init__(self) -> None:
        self.statements: list[tuple[str, Any, type]] = []

    def __call__(self, execute, sql, params, many, context):
        self.statements.append((sql, params, type(context["cursor"].cursor)))
        return execute(sql, params, many, context)


def captured(fn) -> list[tuple[str, Any, type]]:
    capture = Captured()
    with connection.execute_wrapper(capture):
        response = fn()
    assert response.status_code == 200, response.content
    return [
        s
        for s in capture.statements
        if s[0].lstrip().split(None, 1)[0].upper() in ("SELECT", "INSERT", "UPDATE")
    ]


def plan_of(sql: str, params: Any, cursor_class: type) -> dict:
    """Return PostgreSQL's plan of the statement, EXPLAINed (not run) as the endpoint sent it."""
    connection.ensure_connection()
    cursor = cursor_class(connection.connection)
    cursor.execute("EXPLAIN (FORMAT JSON) " + sql, params)
    [[explained]] = cursor.fetchall()
    return explained[0]["Plan"]


def nodes(plan: dict) -> Iterator[dict]:
    yield plan
    for child in plan.get("Plans", []):
        yield from nodes(child)


def unbounded_reads(plan: dict) -> list[str]:
    """Return each read of a big table that is not bounded by one of its BOUNDING_INDEXES: a Seq Scan,
    another index, or an index condition that leaves out one of the index's columns."""
    problems = []
    for node in nodes(plan):
        table = node.get("Relation Name")
        if table not in BOUNDING_INDEXES or node["Node Type"] == "ModifyTable":
            continue
        scans = [node] if "Index Name" in node else [n for n in nodes(node) if "Index Name" in n]
        if node["Node Type"] == "Seq Scan" or not scans:
            problems.append(f"{node['Node Type']} on {table}")
        for scan in scans:
            columns = BOUNDING_INDEXES[table].get(scan["Index Name"])
            condition = scan.get("Index Cond", "")
            if columns is None or not all(column in condition for column in columns):
                problems.append(f"{table} by {scan['Index Name']} on {condition or 'no condition'}")
    return problems


def big_table_reads(statements: list[tuple[str, Any, type]]) -> tuple[list[str], list[str]]:
    """Return the big tables read by the statements' plans, and every read that is not bounded."""
    tables, problems = [], []
    for sql, params, cursor_class in statements:
        plan = plan_of(sql, params, cursor_class)
        tables += [n["Relation Name"] for n in nodes(plan) if n.get("Relation Name") in BOUNDING_INDEXES]
        problems += [f"{problem} in {sql[:60]!r}" for problem in unbounded_reads(plan)]
    return tables, problems


def test_today_reads_the_check_offs_by_item_and_day(patient_client, history):
    statements = captured(lambda: patient_client.get("/api/v1/today/"))
    tables, problems = big_table_reads(statements)
    assert "checklists_checkoff" in tables
    assert problems == [], problems


def test_sync_reads_and_writes_each_table_by_patient_and_day_or_change_number(
    patient_client, patient, history
):
    statements = captured(lambda: post_sync(patient_client, sync_batch(patient, history), since=3000000))
    tables, problems = big_table_reads(statements)
    assert {"checklists_checkoff", "checklists_diaryentry", "checklists_intakerecord"} <= set(tables)
    assert problems == [], problems


def test_the_check_fails_without_the_change_number_index(patient_client, patient, history):
    # The changes since the cursor would then be read by (patient, date): the patient's whole history.
    with connection.cursor() as cursor:
        cursor.execute("DROP INDEX checkoff_patient_seq")
    statements = captured(lambda: post_sync(patient_client, sync_batch(patient, history), since=3000000))
    _, problems = big_table_reads(statements)
    assert any("checklists_checkoff" in problem for problem in problems), problems


def test_the_check_fails_when_today_reads_a_patients_whole_history(patient_client, history):
    # Without the (item, date) unique index the day's check-offs come from all of the patient's rows.
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the seeded rows' foreign keys, checked now
        cursor.execute("ALTER TABLE checklists_checkoff DROP CONSTRAINT checkoff_one_per_item_and_day")
    statements = captured(lambda: patient_client.get("/api/v1/today/"))
    _, problems = big_table_reads(statements)
    assert any("checklists_checkoff" in problem for problem in problems), problems
