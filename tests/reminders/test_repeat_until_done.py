"""'Remind again until done': repeats every N minutes, at most M times, stopping once the item or the
dose is recorded, at the end of the day and at quiet hours; one feed entry however many repeats."""

from datetime import UTC, date, datetime, time, timedelta

import pytest
from django.core.exceptions import ValidationError

from checklists.models import CheckOff, IntakeRecord, Medication
from checklists.models.reminders import Delivery, Notification, Reminder
from checklists.reminders.dispatch import reminders_sweep
from checklists.reminders.send import reminders_send_slot
from checklists.reminders.services import medication_reminders_sync, reminder_create, reminder_update
from tests.reminders.conftest import SLOT, Recorder, subscribe

pytestmark = pytest.mark.django_db

EVERY = 10


def run(patient, at: datetime):
    """One sweep at ``at`` and the send task it queued for the patient; returns the send result."""
    recorder = Recorder()
    reminders_sweep(now=at, enqueue=recorder)
    assert (patient.pk, at) in recorder.calls, f"nothing due at {at}"
    return reminders_send_slot(patient_id=patient.pk, slot=at, now=at)


def repeating(reminder: Reminder, *, every: int = EVERY, times: int = 3, at: datetime = SLOT) -> Reminder:
    reminder = reminder_update(reminder=reminder, repeat_every_minutes=every, repeat_max_times=times)
    Reminder.objects.filter(pk=reminder.pk).update(next_fire_at=at)
    return reminder


def test_a_checklist_reminder_repeats_until_its_items_are_done_then_stops(
    patient, trigger_checklist, vapid, fake_push
):
    subscribe(patient, fake_push, "phone")
    reminder = repeating(Reminder.objects.get(assignment=trigger_checklist))

    assert run(patient, SLOT).status == "sent"
    again = SLOT + timedelta(minutes=EVERY)
    assert Reminder.objects.get(pk=reminder.pk).next_fire_at == again
    repeat = run(patient, again)
    assert repeat.status == "sent" and repeat.payload is not None
    assert repeat.payload["repeat"] is True and repeat.payload["body"] == "You have 3 care tasks due"
    # However many repeats, the feed has the slot once.
    assert Notification.objects.filter(patient=patient).count() == 1

    for item in trigger_checklist.items.all():
        CheckOff.objects.create(item=item, patient=patient, date=date(2027, 7, 7), done=True)
    third = again + timedelta(minutes=EVERY)
    assert run(patient, third).status == "skipped"

    # Stopped: back to tomorrow's regular slot, nothing more today.
    after = Reminder.objects.get(pk=reminder.pk)
    assert (after.next_fire_at, after.repeat_round) == (SLOT + timedelta(days=1), 0)
    assert len(fake_push.received) == 2
    assert Notification.objects.filter(patient=patient).count() == 1


def test_repeats_stop_after_the_limit(patient, trigger_checklist):
    reminder = repeating(Reminder.objects.get(assignment=trigger_checklist), times=2)
    at = SLOT
    for _ in range(3):  # the slot and its two repeats
        assert run(patient, at).status == "sent"
        at += timedelta(minutes=EVERY)
    assert Reminder.objects.get(pk=reminder.pk).next_fire_at == SLOT + timedelta(days=1)
    assert sorted(Delivery.objects.filter(reminder=reminder).values_list("repeat_round", flat=True)) == [
        0,
        1,
        2,
    ]
    assert Notification.objects.filter(patient=patient).count() == 1


def test_a_slot_already_done_schedules_no_repeats(patient, trigger_checklist):
    reminder = repeating(Reminder.objects.get(assignment=trigger_checklist))
    for item in trigger_checklist.items.all():
        CheckOff.objects.create(item=item, patient=patient, date=date(2027, 7, 7), done=True)

    assert run(patient, SLOT).status == "skipped"

    assert Reminder.objects.get(pk=reminder.pk).next_fire_at == SLOT + timedelta(days=1)


def test_repeats_end_with_the_day(patient):
    # 23:40 in Berlin, every 15 minutes: 23:55 is the last repeat, 00:10 would be tomorrow.
    late = datetime(2027, 7, 7, 21, 40, tzinfo=UTC)
    reminder = reminder_create(patient=patient, kind="diary", local_time=time(23, 40))
    repeating(reminder, every=15, times=6, at=late)

    run(patient, late)
    assert Reminder.objects.get(pk=reminder.pk).next_fire_at == late + timedelta(minutes=15)
    run(patient, late + timedelta(minutes=15))
    assert Reminder.objects.get(pk=reminder.pk).next_fire_at == late + timedelta(days=1)


def test_repeats_stop_at_quiet_hours(patient):
    patient.quiet_hours_start, patient.quiet_hours_end = time(22, 0), time(7, 0)
    patient.save()
    at = datetime(2027, 7, 7, 19, 40, tzinfo=UTC)  # 21:40 in Berlin
    reminder = reminder_create(patient=patient, kind="diary", local_time=time(21, 40))
    repeating(reminder, every=15, times=6, at=at)

    run(patient, at)  # 21:55 is before the quiet hours
    assert Reminder.objects.get(pk=reminder.pk).next_fire_at == at + timedelta(minutes=15)
    run(patient, at + timedelta(minutes=15))  # 22:10 would be inside them
    assert Reminder.objects.get(pk=reminder.pk).next_fire_at == at + timedelta(days=1)


def test_a_dose_reminder_repeats_until_the_dose_is_recorded(patient):
    medication = Medication.objects.create(
        patient=patient, name="Ferrous sulfate", dose_times="13:30", start_date=date(2027, 1, 1)
    )
    [reminder] = medication_reminders_sync(medication=medication)
    repeating(reminder)

    assert run(patient, SLOT).payload["doses"] == [
        {"medication": medication.pk, "date": "2027-07-07", "slot": "13:30"}
    ]
    IntakeRecord.objects.create(
        medication=medication, patient=patient, date=date(2027, 7, 7), slot=time(13, 30), status="taken"
    )
    assert run(patient, SLOT + timedelta(minutes=EVERY)).status == "skipped"
    assert Reminder.objects.get(pk=reminder.pk).next_fire_at == SLOT + timedelta(days=1)
    assert Notification.objects.filter(patient=patient).count() == 1


def test_a_repeat_checks_done_even_when_the_reminder_does_not(patient, trigger_checklist):
    reminder = Reminder.objects.get(assignment=trigger_checklist)
    reminder = reminder_update(reminder=reminder, only_if_not_done=False)
    repeating(reminder)
    run(patient, SLOT)
    for item in trigger_checklist.items.all():
        CheckOff.objects.create(item=item, patient=patient, date=date(2027, 7, 7), done=True)

    assert run(patient, SLOT + timedelta(minutes=EVERY)).status == "skipped"


@pytest.mark.parametrize(
    ("every", "times", "field"), [(7, 3, "repeat_every_minutes"), (10, 7, "repeat_max_times")]
)
def test_only_the_allowed_repeats(patient, every, times, field):
    reminder = reminder_create(patient=patient, kind="diary", local_time=time(21, 30))
    with pytest.raises(ValidationError) as caught:
        reminder_update(reminder=reminder, repeat_every_minutes=every, repeat_max_times=times)
    assert set(caught.value.message_dict) == {field}
