"""The reads the reminders use: a patient's dose times on a day, and which doses are recorded."""

from datetime import timedelta

import pytest

from checklists.intake.selectors import dose_slots_for, doses_recorded
from checklists.sync.apply import sync_apply
from checklists.sync.parse import parse_batch
from tests.intake.conftest import add_medicine, intake_op

pytestmark = pytest.mark.django_db


def test_dose_slots_for_lists_scheduled_medicines_with_a_dose_that_day(
    patient, today, django_assert_num_queries
):
    evening = add_medicine(patient, "Gabapentin", dose_times="evening, 21:00")
    add_medicine(patient, "Codeine", as_needed=True)
    add_medicine(
        patient, "Iron", dose_times="morning", every_other_day=True, start_date=today - timedelta(days=1)
    )
    add_medicine(patient, "Old", dose_times="morning", stop_date=today - timedelta(days=1))
    with django_assert_num_queries(1):
        slots = dose_slots_for(patient=patient, day=today)
    assert slots == {evening.pk: ["19:00", "21:00"]}


def test_doses_recorded_names_taken_and_skipped_doses_of_the_pairs_asked(
    patient, evening_med, today, django_assert_num_queries
):
    yesterday = today - timedelta(days=1)
    prn = add_medicine(patient, "Codeine", as_needed=True)
    ops = [
        intake_op(evening_med, today, "19:00", status="skipped"),
        intake_op(evening_med, yesterday, "19:00"),
        intake_op(prn, today, None, status="extra"),
    ]
    sync_apply(patient=patient, batch=parse_batch({"ops": ops, "since": None}))
    with django_assert_num_queries(1):
        found = doses_recorded(pairs=[(evening_med.pk, today), (prn.pk, today)])
    assert found == {(evening_med.pk, today, "19:00")}
    assert doses_recorded(pairs=[]) == set()
