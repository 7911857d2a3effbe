"""The clinician's view of the intake log: per medicine, doses taken of those scheduled over the last 7
and 30 complete days, extra doses per week and the reasons given for skipping."""

from datetime import timedelta

import pytest

from checklists.intake.selectors import intake_adherence_by_patient, intake_adherence_for
from checklists.sync.apply import sync_apply
from checklists.sync.parse import parse_batch
from tests.intake.conftest import add_medicine, intake_op

pytestmark = pytest.mark.django_db


def record(patient, *ops: dict) -> None:
    result = sync_apply(patient=patient, batch=parse_batch({"ops": list(ops), "since": None}))
    assert result.rejected == []


def test_taken_of_scheduled_over_7_and_30_complete_days(patient, evening_med, today):
    # Taken on 5 of the last 7 days, skipped twice for the same reason; 4 more taken before that.
    ops = [
        intake_op(evening_med, today - timedelta(days=d), "19:00") for d in (1, 2, 3, 4, 5, 10, 11, 12, 13)
    ]
    ops += [
        intake_op(evening_med, today - timedelta(days=6), "19:00", status="skipped", reason="Felt sick"),
        intake_op(evening_med, today - timedelta(days=7), "19:00", status="skipped", reason="felt sick"),
        intake_op(
            evening_med, today - timedelta(days=20), "19:00", status="skipped", reason="Away from home"
        ),
        intake_op(evening_med, today, "19:00"),  # today is still going: not counted
    ]
    record(patient, *ops)
    [row] = intake_adherence_for(patient=patient)
    week, month = row.window(7), row.window(30)
    assert (week.taken, week.scheduled, week.skipped) == (5, 7, 2)
    # The first dose recorded was 20 days ago: the 30 days owe only those 20.
    assert (month.taken, month.scheduled, month.skipped) == (9, 20, 3)
    assert week.label == "Last 7 complete days" and month.label == "Last 30 complete days"
    # One reason however it was typed, shown as last written (6 days ago).
    assert [(r.reason, r.count) for r in row.skipped_reasons] == [("Felt sick", 2), ("Away from home", 1)]
    assert row.as_written == "evening" and row.as_needed is False


def test_as_needed_doses_per_week(patient, today):
    prn = add_medicine(patient, "Codeine", as_needed=True, times_of_day="when needed")
    record(
        patient,
        *[intake_op(prn, today - timedelta(days=d), None, status="extra") for d in (1, 1, 2, 15, 16, 17)],
    )
    [row] = intake_adherence_for(patient=patient)
    assert row.as_needed and row.as_written == "when needed"
    assert (row.window(7).extra, row.window(7).scheduled, row.window(7).share) == (3, 0, None)
    assert row.window(7).extra_per_week == 3
    assert row.window(30).extra_per_week == pytest.approx(6 * 7 / 30)


def test_a_medicine_started_three_days_ago_owes_only_those_days(patient, evening_med, today):
    new = add_medicine(patient, "Ropinirole", dose_times="bedtime", start_date=today - timedelta(days=3))
    record(patient, intake_op(evening_med, today - timedelta(days=10), "19:00"))  # the log in use since
    record(patient, intake_op(new, today - timedelta(days=1), "22:00"))
    row = next(row for row in intake_adherence_for(patient=patient) if row.medication_id == new.pk)
    assert (row.window(7).taken, row.window(7).scheduled) == (1, 3)


def test_a_medicine_stopped_before_the_30_days_is_left_out(patient, today):
    add_medicine(
        patient,
        "Old",
        dose_times="morning",
        start_date=today - timedelta(days=90),
        stop_date=today - timedelta(days=31),
    )
    assert intake_adherence_for(patient=patient) == []


def test_another_patients_doses_never_count(patient, other_patient, evening_med, today):
    theirs = add_medicine(other_patient, "Gabapentin", dose_times="evening")
    record(other_patient, intake_op(theirs, today - timedelta(days=1), "19:00"))
    [row] = intake_adherence_for(patient=patient)
    assert row.medication_id == evening_med.pk and row.window(7).taken == 0


@pytest.mark.parametrize("count", [1, 5])
def test_three_queries_whatever_the_number_of_medicines(patient, today, count, django_assert_num_queries):
    for i in range(count):
        med = add_medicine(patient, f"Medicine {i}", dose_times="morning, evening")
        record(patient, intake_op(med, today - timedelta(days=1), "08:00"))
    with django_assert_num_queries(3):
        rows = intake_adherence_for(patient=patient)
    assert len(rows) == count and all(row.window(7).taken == 1 for row in rows)


def test_the_worklist_reads_many_patients_at_once(
    patient, other_patient, evening_med, today, django_assert_num_queries
):
    theirs = add_medicine(other_patient, "Pregabalin", dose_times="morning")
    with django_assert_num_queries(3):
        by_patient = intake_adherence_by_patient(patients=[patient, other_patient])
    assert [r.medication_id for r in by_patient[patient.pk]] == [evening_med.pk]
    assert [r.medication_id for r in by_patient[other_patient.pk]] == [theirs.pk]


def test_nothing_is_owed_before_the_patient_used_the_log_or_the_medicine_was_entered(patient, today):
    # Entered a year ago, but the patient's first recorded dose (of any medicine) was 3 days ago.
    old = add_medicine(patient, "Gabapentin", dose_times="evening", entered=today - timedelta(days=365))
    record(patient, intake_op(old, today - timedelta(days=3), "19:00"))
    # Entered yesterday: only yesterday is owed.
    new = add_medicine(patient, "Ropinirole", dose_times="bedtime", entered=today - timedelta(days=1))
    rows = {row.medication_id: row for row in intake_adherence_for(patient=patient)}
    assert (rows[old.pk].window(7).taken, rows[old.pk].window(7).scheduled) == (1, 3)
    assert (rows[new.pk].window(30).taken, rows[new.pk].window(30).scheduled) == (0, 1)


def test_a_patient_who_never_recorded_a_dose_owes_nothing_yet(patient, evening_med):
    [row] = intake_adherence_for(patient=patient)
    assert (row.window(7).scheduled, row.window(30).scheduled) == (0, 0)
