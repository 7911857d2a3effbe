"""Dose reminders: made from the medicine's schedule, through the sweep and the send step, skipped
once the dose is recorded, with the reminders' quiet-hours and DST rules; never a drug name out."""

import json
from datetime import UTC, date, datetime, time, timedelta

import pytest
from django.core import mail

from checklists.models import IntakeRecord, Medication
from checklists.models.reminders import Delivery, Notification, Reminder
from checklists.reminders.dispatch import reminders_sweep
from checklists.reminders.send import reminders_send_slot
from checklists.reminders.services import (
    medication_reminders_sync,
    patient_medication_reminders_sync,
    reminder_defaults_ensure,
    reminder_update,
    reminders_reschedule_patient,
)
from tests.reminders.conftest import Recorder, subscribe

pytestmark = pytest.mark.django_db

DRUG = "Pramipexole"
# Wednesday 7 July 2027, 21:00 in Berlin (CEST, UTC+2).
EVENING = datetime(2027, 7, 7, 19, 0, tzinfo=UTC)


def medicine(patient, dose_times: str = "21:00", **kwargs) -> Medication:
    fields = {"name": DRUG, "dose_text": "0.25 mg", "start_date": date(2027, 1, 1), **kwargs}
    medication = Medication.objects.create(patient=patient, dose_times=dose_times, **fields)
    medication_reminders_sync(medication=medication)
    return medication


def due_at(medication: Medication, instant: datetime) -> Reminder:
    reminder = Reminder.objects.get(medication=medication)
    Reminder.objects.filter(pk=reminder.pk).update(next_fire_at=instant)
    return reminder


def record(medication: Medication, day: date, slot: str, status: str = "taken") -> None:
    IntakeRecord.objects.create(
        medication=medication,
        patient=medication.patient,
        date=day,
        slot=time.fromisoformat(slot),
        status=status,
    )


def test_each_dose_time_of_a_medicine_gets_its_reminder(patient):
    medication = medicine(patient, "evening, 08:00")
    rows = Reminder.objects.filter(medication=medication).order_by("dose_time")
    assert [(r.kind, r.dose_time, r.local_time) for r in rows] == [
        ("medication", time(8, 0), time(8, 0)),
        ("medication", time(19, 0), time(19, 0)),  # "evening": the clinic's default (INTAKE_DEFAULT_TIMES)
    ]
    assert all(r.next_fire_at is not None and DRUG not in r.label for r in rows)


def test_a_schedule_change_adds_and_removes_dose_reminders_and_keeps_the_patients_settings(patient):
    medication = medicine(patient, "08:00, 21:00")
    morning = Reminder.objects.get(medication=medication, dose_time=time(8, 0))
    reminder_update(reminder=morning, active=False, repeat_every_minutes=15)

    medication.dose_times = "08:00, 13:00"
    medication.save()
    medication_reminders_sync(medication=medication)

    kept = Reminder.objects.get(pk=morning.pk)
    assert (kept.active, kept.repeat_every_minutes) == (False, 15)
    assert sorted(Reminder.objects.filter(medication=medication).values_list("local_time", flat=True)) == [
        time(8, 0),
        time(13, 0),
    ]


def test_the_patient_moving_their_evening_moves_its_dose_reminder(patient):
    medication = medicine(patient, "evening")
    reminder = Reminder.objects.get(medication=medication)
    reminder_update(reminder=reminder, repeat_every_minutes=30)
    patient.dose_time_evening = time(20, 30)
    patient.save()

    patient_medication_reminders_sync(patient=patient)

    moved = Reminder.objects.get(medication=medication)
    assert moved.pk == reminder.pk
    assert (moved.dose_time, moved.local_time, moved.repeat_every_minutes) == (time(20, 30), time(20, 30), 30)


def test_as_needed_or_stopped_medicines_have_no_dose_reminders(patient):
    as_needed = medicine(patient, "", as_needed=True)
    today = patient.local_today()
    stopped = medicine(
        patient, "21:00", start_date=today - timedelta(days=30), stop_date=today - timedelta(days=1)
    )
    assert not Reminder.objects.filter(medication__in=[as_needed, stopped]).exists()
    current = medicine(patient, "21:00")
    current.as_needed, current.dose_times = True, ""
    current.save()
    medication_reminders_sync(medication=current)
    assert not Reminder.objects.filter(medication=current).exists()


def test_a_dose_reminder_goes_through_the_sweep_with_generic_text_and_the_dose_ids(patient, vapid, fake_push):
    subscribe(patient, fake_push, "phone")
    medication = medicine(patient)
    reminder = due_at(medication, EVENING)
    recorder = Recorder()

    result = reminders_sweep(now=EVENING, enqueue=recorder)
    assert (result.claimed, recorder.calls) == (1, [(patient.pk, EVENING)])
    sent = reminders_send_slot(patient_id=patient.pk, slot=EVENING, now=EVENING)

    assert (sent.status, sent.channel) == ("sent", "push")
    [received] = fake_push.received
    assert received.payload["body"] == "You have 1 care task due"
    assert received.payload["doses"] == [{"medication": medication.pk, "date": "2027-07-07", "slot": "21:00"}]
    assert received.payload["reminder_ids"] == [reminder.pk]
    assert DRUG.lower() not in json.dumps(received.payload).lower()
    assert "0.25" not in json.dumps(received.payload)
    entry = Notification.objects.get(patient=patient)
    assert DRUG not in entry.title + entry.body
    # The next dose is tomorrow evening.
    assert Reminder.objects.get(pk=reminder.pk).next_fire_at == EVENING + timedelta(days=1)


def test_a_dose_reminder_by_email_names_no_medicine(patient):
    medication = medicine(patient)
    due_at(medication, EVENING)
    reminders_sweep(now=EVENING, enqueue=Recorder())

    sent = reminders_send_slot(patient_id=patient.pk, slot=EVENING, now=EVENING)

    assert sent.channel == "email"
    [message] = mail.outbox
    assert DRUG.lower() not in f"{message.subject} {message.body}".lower()
    assert "1 care task due" in message.body


def test_a_due_dose_counts_as_one_more_care_task(patient, trigger_checklist):
    checklist_reminder = Reminder.objects.get(assignment=trigger_checklist)
    medication = medicine(patient, "13:30")
    slot = datetime(2027, 7, 7, 11, 30, tzinfo=UTC)  # 13:30 in Berlin
    Reminder.objects.filter(
        pk__in=[checklist_reminder.pk, *medication.reminders.values_list("pk", flat=True)]
    ).update(next_fire_at=slot)
    reminders_sweep(now=slot, enqueue=Recorder())

    sent = reminders_send_slot(patient_id=patient.pk, slot=slot, now=slot)

    assert sent.payload is not None
    assert sent.payload["body"] == "You have 4 care tasks due"  # three items and the dose
    assert len(sent.payload["items"]) == 3 and len(sent.payload["doses"]) == 1


@pytest.mark.parametrize("status", ["taken", "skipped"])
def test_only_if_not_done_skips_a_dose_already_recorded(patient, status):
    medication = medicine(patient)
    due_at(medication, EVENING)
    record(medication, date(2027, 7, 7), "21:00", status)
    reminders_sweep(now=EVENING, enqueue=Recorder())

    sent = reminders_send_slot(patient_id=patient.pk, slot=EVENING, now=EVENING)

    assert sent.status == "skipped"
    assert not Notification.objects.exists() and not mail.outbox


def test_a_dose_recorded_yesterday_does_not_skip_todays(patient):
    medication = medicine(patient)
    due_at(medication, EVENING)
    record(medication, date(2027, 7, 6), "21:00")
    reminders_sweep(now=EVENING, enqueue=Recorder())

    assert reminders_send_slot(patient_id=patient.pk, slot=EVENING, now=EVENING).status == "sent"


def test_without_only_if_not_done_a_recorded_dose_still_reminds(patient):
    medication = medicine(patient)
    reminder = Reminder.objects.get(medication=medication)
    reminder_update(reminder=reminder, only_if_not_done=False)
    due_at(medication, EVENING)
    record(medication, date(2027, 7, 7), "21:00")
    reminders_sweep(now=EVENING, enqueue=Recorder())

    assert reminders_send_slot(patient_id=patient.pk, slot=EVENING, now=EVENING).status == "sent"


def test_every_other_day_reminds_on_dose_days_only(patient):
    # Counted from 1 July: the 7th is a dose day, the 8th is not.
    medication = medicine(patient, start_date=date(2027, 7, 1), every_other_day=True)
    assert Reminder.objects.get(medication=medication).weekdays == 127
    due_at(medication, EVENING)
    reminders_sweep(now=EVENING, enqueue=Recorder())
    assert reminders_send_slot(patient_id=patient.pk, slot=EVENING, now=EVENING).status == "sent"

    tomorrow = EVENING + timedelta(days=1)
    assert Reminder.objects.get(medication=medication).next_fire_at == tomorrow
    reminders_sweep(now=tomorrow, enqueue=Recorder())
    assert reminders_send_slot(patient_id=patient.pk, slot=tomorrow, now=tomorrow).status == "skipped"


def test_a_dose_in_quiet_hours_comes_when_they_end_and_is_still_that_evenings_dose(patient):
    patient.quiet_hours_start, patient.quiet_hours_end = time(22, 0), time(7, 0)
    patient.save()
    medication = medicine(patient, "23:00")
    reminder = Reminder.objects.get(medication=medication)
    reminder_update(reminder=reminder, active=True)  # reschedules from now, with the quiet hours
    reminder.refresh_from_db()
    assert reminder.next_fire_at is not None
    assert reminder.next_fire_at.astimezone(patient.zone).time() == time(7, 0)

    morning = datetime(2027, 7, 8, 5, 0, tzinfo=UTC)  # 07:00 in Berlin, after the 7 July 23:00 dose
    due_at(medication, morning)
    reminders_sweep(now=morning, enqueue=Recorder())
    sent = reminders_send_slot(patient_id=patient.pk, slot=morning, now=morning)
    assert sent.payload is not None
    assert sent.payload["doses"] == [{"medication": medication.pk, "date": "2027-07-07", "slot": "23:00"}]

    # Recorded in the evening, the deferred reminder of that dose is skipped the next morning.
    record(medication, date(2027, 7, 8), "23:00")
    next_morning = morning + timedelta(days=1)
    assert Reminder.objects.get(pk=reminder.pk).next_fire_at == next_morning
    reminders_sweep(now=next_morning, enqueue=Recorder())
    assert reminders_send_slot(patient_id=patient.pk, slot=next_morning, now=next_morning).status == "skipped"


def test_a_dose_in_the_spring_forward_gap_fires_when_the_clocks_jump(patient):
    # 28 March 2027 in Berlin: 02:00 CET jumps to 03:00 CEST (01:00 UTC); 02:30 does not exist.
    medication = medicine(patient, "02:30")
    before = datetime(2027, 3, 27, 12, 0, tzinfo=UTC)
    reminder = due_at(medication, before)
    reminders_sweep(now=before, enqueue=Recorder())

    jump = datetime(2027, 3, 28, 1, 0, tzinfo=UTC)
    assert Reminder.objects.get(pk=reminder.pk).next_fire_at == jump
    reminders_sweep(now=jump, enqueue=Recorder())
    sent = reminders_send_slot(patient_id=patient.pk, slot=jump, now=jump)
    assert sent.payload is not None
    assert sent.payload["doses"] == [{"medication": medication.pk, "date": "2027-03-28", "slot": "02:30"}]
    assert Delivery.objects.filter(reminder=reminder, slot=jump).count() == 1


def test_the_patients_new_times_of_day_move_dose_reminders_through_the_reschedule(patient):
    medication = medicine(patient, "bedtime")
    patient.dose_time_bedtime = time(23, 15)
    patient.save()

    reminders_reschedule_patient(patient=patient)  # what saving the patient's times of day calls

    reminder = Reminder.objects.get(medication=medication)
    assert reminder.dose_time == time(23, 15)
    assert reminder.next_fire_at is not None
    assert reminder.next_fire_at.astimezone(patient.zone).time() == time(23, 15)


def test_medicines_entered_before_dose_reminders_get_them_with_the_default_reminders(patient):
    medication = Medication.objects.create(patient=patient, name=DRUG, dose_times="08:00")
    assert not Reminder.objects.filter(medication=medication).exists()
    reminder_defaults_ensure(patient=patient)  # also on assigning a checklist
    assert Reminder.objects.filter(medication=medication, dose_time=time(8, 0)).exists()
