"""The sweep and the send step, in-process: database as the queue, channels, send-time decisions."""

import time as time_module
from datetime import UTC, date, datetime, time, timedelta

import pytest
from django.utils import timezone

from checklists.models import AssignmentItem, CheckOff, DiaryEntry, PushSubscription
from checklists.models.reminders import Delivery, Notification, Reminder
from checklists.plan.rules import weekdays_to_mask
from checklists.plan.selectors import today_for
from checklists.plan.services import assignment_create
from checklists.reminders import dispatch, push, send
from checklists.reminders.dispatch import reminders_sweep
from checklists.reminders.send import reminders_send_slot
from checklists.reminders.services import (
    reminder_create,
    reminder_snooze,
    reminders_cancel_follow_up,
    reminders_for_follow_up,
    reminders_reschedule_patient,
)
from tests.factories import FollowUpFactory, template_with_items
from tests.reminders.conftest import SLOT, Recorder, due_reminder, subscribe
from tests.reminders.processes import free_port

pytestmark = pytest.mark.django_db


def test_assigning_a_checklist_creates_its_reminder_and_the_diarys(patient, trigger_checklist):
    rows = {r.kind: r for r in Reminder.objects.filter(patient=patient)}
    assert set(rows) == {"assignment", "diary"}
    assert rows["assignment"].assignment == trigger_checklist
    assert rows["assignment"].local_time == time(13, 30)  # trigger avoidance: early afternoon
    assert rows["diary"].local_time == time(21, 30)  # bedtime
    lifestyle = template_with_items(2, name="Evening stretch", category="lifestyle")
    assignment_create(patient=patient, template=lifestyle, assigned_by=None)
    assert Reminder.objects.get(assignment__template=lifestyle).local_time == time(19, 0)
    assert Reminder.objects.filter(patient=patient, kind="diary").count() == 1


def test_next_fire_at_is_the_next_local_time_in_the_patients_zone(patient, trigger_checklist):
    reminder = Reminder.objects.get(assignment=trigger_checklist)
    assert reminder.next_fire_at is not None
    local = reminder.next_fire_at.astimezone(patient.zone)
    assert local.time() == time(13, 30)
    assert timezone.now() < reminder.next_fire_at <= timezone.now() + timedelta(days=1)


def test_sweep_claims_due_reminders_once_and_queues_one_task_per_patient_and_slot(patient, other_patient):
    mine = [due_reminder(patient) for _ in range(3)]
    theirs = due_reminder(other_patient)
    not_yet = reminder_create(patient=patient, kind="diary", local_time=time(21, 30))
    Reminder.objects.filter(pk=not_yet.pk).update(next_fire_at=SLOT + timedelta(minutes=1))
    recorder = Recorder()
    result = reminders_sweep(now=SLOT + timedelta(seconds=5), enqueue=recorder)

    assert result.claimed == 4
    assert sorted(recorder.calls) == sorted([(patient.pk, SLOT), (other_patient.pk, SLOT)])
    assert Delivery.objects.filter(slot=SLOT, status="pending").count() == 4
    for reminder in [*mine, theirs]:
        reminder.refresh_from_db()
        # Advanced to the same local time the next day.
        assert reminder.next_fire_at == datetime(2027, 7, 8, 11, 30, tzinfo=UTC)
    assert not Delivery.objects.filter(reminder=not_yet).exists()

    again = Recorder()
    assert reminders_sweep(now=SLOT + timedelta(seconds=30), enqueue=again).claimed == 0
    assert again.calls == []


def test_sweep_after_downtime_sends_the_missed_slot_once_not_a_backlog(patient):
    reminder = due_reminder(patient)
    now = SLOT + timedelta(days=3, hours=1)
    recorder = Recorder()
    reminders_sweep(now=now, enqueue=recorder)
    reminder.refresh_from_db()
    assert recorder.calls == [(patient.pk, SLOT)]
    assert reminder.next_fire_at == datetime(2027, 7, 11, 11, 30, tzinfo=UTC)


def test_broker_down_leaves_deliveries_waiting_and_a_later_sweep_queues_them(patient, other_patient):
    due_reminder(patient)
    due_reminder(other_patient)
    down = Recorder(fail=True)
    result = reminders_sweep(now=SLOT, enqueue=down)
    assert result.enqueue_failed and result.claimed == 2
    assert Delivery.objects.filter(status="pending", queued_at__isnull=True).count() == 2

    back = Recorder()
    result = reminders_sweep(now=SLOT + timedelta(minutes=1), enqueue=back)
    assert result.claimed == 0 and result.requeued == 2
    assert sorted(back.calls) == sorted([(patient.pk, SLOT), (other_patient.pk, SLOT)])
    assert reminders_sweep(now=SLOT + timedelta(minutes=2), enqueue=Recorder()).requeued == 0


def test_broker_failing_mid_sweep_leaves_only_the_unqueued_slots_waiting(patient, other_patient, monkeypatch):
    due_reminder(patient)
    due_reminder(other_patient)
    monkeypatch.setattr(dispatch, "PUBLISH_BATCH_SIZE", 1)
    published: list[tuple[int, datetime]] = []

    def broker_that_fails_after_one_batch(slots: list[tuple[int, datetime]]) -> None:
        if published:
            raise ConnectionError("broker gone")
        published.extend(slots)

    result = reminders_sweep(now=SLOT, enqueue=broker_that_fails_after_one_batch)

    assert result.enqueue_failed and result.queued == 1
    [(queued_patient, _)] = published
    [not_queued] = {patient.pk, other_patient.pk} - {queued_patient}
    assert list(Delivery.objects.filter(queued_at__isnull=True).values_list("patient_id", flat=True)) == [
        not_queued
    ]
    back = Recorder()
    reminders_sweep(now=SLOT + timedelta(minutes=1), enqueue=back)
    assert back.calls == [(not_queued, SLOT)]


def test_stuck_sending_delivery_is_retried_after_the_timeout(patient, settings):
    due_reminder(patient)
    reminders_sweep(now=SLOT, enqueue=Recorder())
    Delivery.objects.update(status="sending", started_at=SLOT)
    early = Recorder()
    reminders_sweep(
        now=SLOT + timedelta(seconds=settings.REMINDER_SENDING_TIMEOUT_SECONDS - 1), enqueue=early
    )
    assert early.calls == []
    late = Recorder()
    reminders_sweep(now=SLOT + timedelta(seconds=settings.REMINDER_SENDING_TIMEOUT_SECONDS + 1), enqueue=late)
    assert late.calls == [(patient.pk, SLOT)]
    assert Delivery.objects.get().status == "pending"


def test_send_pushes_one_summary_with_ids_only(patient, trigger_checklist, vapid, fake_push):
    subscribe(patient, fake_push, "phone")
    reminder = Reminder.objects.get(assignment=trigger_checklist)
    Reminder.objects.filter(pk=reminder.pk).update(next_fire_at=SLOT)
    medication = due_reminder(patient)
    reminders_sweep(now=SLOT, enqueue=Recorder())

    result = reminders_send_slot(patient_id=patient.pk, slot=SLOT)

    assert (result.status, result.channel) == ("sent", "push")
    [received] = fake_push.received
    items = sorted(trigger_checklist.items.values_list("id", flat=True))
    assert received.payload == {
        "title": "Care reminder",
        "body": "You have 4 care tasks due",
        "tag": "rls-2027-07-07T11:30:00Z",
        "url": "/#today",
        "date": "2027-07-07",
        "items": items,
        "reminder_ids": sorted([reminder.pk, medication.pk]),
        "doses": [],  # a medication reminder of no medicine (made before dose reminders) has no dose
        "repeat": False,
    }
    assert received.ttl == 4 * 3600
    assert fake_push.rejected == []
    assert set(Delivery.objects.filter(slot=SLOT).values_list("status", "channel")) == {("sent", "push")}
    feed = Notification.objects.get(patient=patient)
    assert (feed.body, feed.items, feed.local_date) == ("You have 4 care tasks due", items, date(2027, 7, 7))
    assert PushSubscription.objects.get().last_success_at is not None
    # A second task for the same slot (a redelivered message) sends nothing.
    assert reminders_send_slot(patient_id=patient.pk, slot=SLOT).status == "none"
    assert len(fake_push.received) == 1


def test_pushes_to_one_push_service_share_one_vapid_signature(
    patient, other_patient, vapid, fake_push, monkeypatch
):
    subscribe(patient, fake_push, "phone")
    subscribe(other_patient, fake_push, "tablet")
    due_reminder(patient)
    due_reminder(other_patient)
    reminders_sweep(now=SLOT, enqueue=Recorder())
    monkeypatch.setattr(push, "_signed", {})
    key = push._vapid(vapid[0])
    signed = []
    real_sign = key.sign

    def sign(claims):
        signed.append(claims)
        return real_sign(claims)

    monkeypatch.setattr(key, "sign", sign)

    for someone in (patient, other_patient):
        assert reminders_send_slot(patient_id=someone.pk, slot=SLOT).channel == "push"

    assert len(fake_push.received) == 2 and fake_push.rejected == []  # the service checked both tokens
    [claims] = signed
    assert claims["aud"] == fake_push.origin
    assert claims["exp"] - time_module.time() <= 24 * 3600  # RFC 8292's limit


def test_payload_carries_no_health_data(patient, trigger_checklist, vapid, fake_push):
    subscribe(patient, fake_push, "phone")
    Reminder.objects.filter(assignment=trigger_checklist).update(next_fire_at=SLOT, label="pregabalin 75 mg")
    reminders_sweep(now=SLOT, enqueue=Recorder())
    reminders_send_slot(patient_id=patient.pk, slot=SLOT)
    text = str(fake_push.received[0].payload).lower()
    for secret in ["pregabalin", "caffeine", "item 0", trigger_checklist.name.lower(), patient.user.email]:
        assert secret.lower() not in text


def test_only_if_not_done_is_decided_at_send_time(patient, trigger_checklist, vapid, fake_push):
    subscribe(patient, fake_push, "phone")
    Reminder.objects.filter(assignment=trigger_checklist).update(next_fire_at=SLOT)
    reminders_sweep(now=SLOT, enqueue=Recorder())
    first, *rest = trigger_checklist.items.all()
    # The patient ticks one item after the sweep, before the send task runs.
    CheckOff.objects.create(item=first, patient=patient, date=date(2027, 7, 7), done=True)
    reminders_send_slot(patient_id=patient.pk, slot=SLOT)
    payload = fake_push.received[0].payload
    assert payload["items"] == [item.pk for item in rest]
    assert payload["body"] == "You have 2 care tasks due"


def test_send_counts_the_items_due_that_day_by_the_today_screens_rule(
    patient, trigger_checklist, vapid, fake_push
):
    subscribe(patient, fake_push, "phone")
    Reminder.objects.filter(assignment=trigger_checklist).update(next_fire_at=SLOT)
    reminders_sweep(now=SLOT, enqueue=Recorder())
    kept, added, retired = trigger_checklist.items.all()
    # After the sweep: one item is added to the plan from tomorrow on, one is retired this morning.
    AssignmentItem.objects.filter(pk=added.pk).update(due_from=date(2027, 7, 8))
    AssignmentItem.objects.filter(pk=retired.pk).update(retired_at=SLOT - timedelta(hours=3))

    reminders_send_slot(patient_id=patient.pk, slot=SLOT)

    payload = fake_push.received[0].payload
    assert payload["items"] == [kept.pk]
    assert payload["body"] == "You have 1 care task due"
    today = today_for(patient=patient, day=date(2027, 7, 7))
    assert [item["id"] for checklist in today["checklists"] for item in checklist["items"]] == [kept.pk]


def test_a_send_failing_before_the_push_leaves_the_slot_pending_for_the_next_try(
    patient, trigger_checklist, vapid, fake_push, monkeypatch
):
    subscribe(patient, fake_push, "phone")
    Reminder.objects.filter(assignment=trigger_checklist).update(next_fire_at=SLOT)
    reminders_sweep(now=SLOT, enqueue=Recorder())

    def broken_payload(**kwargs):
        raise RuntimeError("database went away")

    with monkeypatch.context() as patched:
        patched.setattr(send, "reminder_payload", broken_payload)
        with pytest.raises(RuntimeError):
            reminders_send_slot(patient_id=patient.pk, slot=SLOT)

    # Claim and feed entry rolled back together: not stuck in "sending" until the timeout.
    assert set(Delivery.objects.values_list("status", "attempts")) == {("pending", 0)}
    assert not Notification.objects.exists()
    assert reminders_send_slot(patient_id=patient.pk, slot=SLOT).channel == "push"
    assert len(fake_push.received) == 1


def test_everything_done_skips_the_slot_silently(patient, trigger_checklist, vapid, fake_push):
    subscribe(patient, fake_push, "phone")
    Reminder.objects.filter(assignment=trigger_checklist).update(next_fire_at=SLOT)
    diary = Reminder.objects.get(patient=patient, kind="diary")
    Reminder.objects.filter(pk=diary.pk).update(next_fire_at=SLOT)
    reminders_sweep(now=SLOT, enqueue=Recorder())
    for item in trigger_checklist.items.all():
        CheckOff.objects.create(item=item, patient=patient, date=date(2027, 7, 7), done=True)
    DiaryEntry.objects.create(patient=patient, date=date(2027, 7, 7), severity=3)

    assert reminders_send_slot(patient_id=patient.pk, slot=SLOT).status == "skipped"
    assert fake_push.received == []
    assert not Notification.objects.exists()
    assert set(Delivery.objects.values_list("status", flat=True)) == {"skipped"}


def test_gone_subscription_is_deleted_and_email_is_the_fallback(patient, vapid, fake_push, mailoutbox):
    subscribe(patient, fake_push, "old-phone")
    fake_push.statuses["old-phone"] = 410
    due_reminder(patient)
    reminders_sweep(now=SLOT, enqueue=Recorder())

    result = reminders_send_slot(patient_id=patient.pk, slot=SLOT)

    assert (result.status, result.channel) == ("sent", "email")
    assert not PushSubscription.objects.exists()
    [message] = mailoutbox
    assert message.to == ["pat@example.com"]
    assert message.subject == "Care reminder"
    assert "You have 1 care task due" in message.body
    assert Notification.objects.filter(patient=patient).count() == 1


def test_no_subscription_means_email(patient, vapid, mailoutbox):
    due_reminder(patient)
    reminders_sweep(now=SLOT, enqueue=Recorder())
    assert reminders_send_slot(patient_id=patient.pk, slot=SLOT).channel == "email"
    assert len(mailoutbox) == 1


@pytest.mark.parametrize("status", [429, 503])
def test_push_service_busy_retries_later_through_the_queue(patient, vapid, fake_push, mailoutbox, status):
    subscribe(patient, fake_push, "phone")
    fake_push.statuses["phone"] = status
    due_reminder(patient)
    reminders_sweep(now=SLOT, enqueue=Recorder())

    assert reminders_send_slot(patient_id=patient.pk, slot=SLOT, now=SLOT).status == "retry"
    delivery = Delivery.objects.get()
    assert delivery.retry_at is not None
    assert delivery.status == "pending" and delivery.retry_at > SLOT
    assert mailoutbox == []
    # Not before its time...
    assert reminders_sweep(now=SLOT + timedelta(seconds=10), enqueue=Recorder()).requeued == 0
    # ...then queued again, and sent once the service recovers.
    later = delivery.retry_at + timedelta(seconds=1)
    recorder = Recorder()
    reminders_sweep(now=later, enqueue=recorder)
    assert recorder.calls == [(patient.pk, SLOT)]
    del fake_push.statuses["phone"]
    assert reminders_send_slot(patient_id=patient.pk, slot=SLOT, now=later).channel == "push"
    assert PushSubscription.objects.get().failure_count == 0


def test_unreachable_push_service_retries_later_and_counts_the_failure(patient, vapid, fake_push, mailoutbox):
    phone = subscribe(patient, fake_push, "phone")
    # Nothing listens on this port: the connection is refused.
    PushSubscription.objects.filter(pk=phone.pk).update(endpoint=f"http://127.0.0.1:{free_port()}/push/phone")
    due_reminder(patient)
    reminders_sweep(now=SLOT, enqueue=Recorder())

    assert reminders_send_slot(patient_id=patient.pk, slot=SLOT, now=SLOT).status == "retry"
    delivery = Delivery.objects.get()
    assert delivery.retry_at is not None
    assert delivery.status == "pending" and delivery.retry_at > SLOT
    assert "Connection" in delivery.last_error  # the error's class, e.g. NewConnectionError
    assert PushSubscription.objects.get().failure_count == 1
    assert mailoutbox == []


def test_snooze_fires_again_then_the_schedule_resumes(patient):
    reminder = due_reminder(patient)
    reminders_sweep(now=SLOT, enqueue=Recorder())
    Delivery.objects.update(status="sent")
    reminder_snooze(reminder=reminder, minutes=30, now=SLOT + timedelta(minutes=1))
    recorder = Recorder()
    reminders_sweep(now=SLOT + timedelta(minutes=31), enqueue=recorder)
    assert recorder.calls == [(patient.pk, SLOT + timedelta(minutes=31))]
    reminder.refresh_from_db()
    assert reminder.snoozed_until is None
    assert reminder.next_fire_at == datetime(2027, 7, 8, 11, 30, tzinfo=UTC)
    with pytest.raises(ValueError):
        reminder_snooze(reminder=reminder, minutes=45)


def test_changing_time_zone_reschedules(patient):
    reminder = reminder_create(patient=patient, kind="diary", local_time=time(21, 30))
    patient.time_zone = "America/New_York"
    patient.save()
    reminders_reschedule_patient(patient=patient)
    reminder.refresh_from_db()
    assert reminder.next_fire_at is not None
    assert reminder.next_fire_at.astimezone(patient.zone).time() == time(21, 30)


def test_quiet_hours_defer_the_reminder(patient):
    patient.quiet_hours_start, patient.quiet_hours_end = time(21, 0), time(7, 0)
    patient.save()
    reminder = reminder_create(patient=patient, kind="diary", local_time=time(21, 30))
    assert reminder.next_fire_at is not None
    assert reminder.next_fire_at.astimezone(patient.zone).time() == time(7, 0)


def test_follow_up_reminds_three_days_before_and_on_the_day(patient):
    due = timezone.now().astimezone(patient.zone).date() + timedelta(days=10)
    follow_up, other = FollowUpFactory.create(patient=patient), FollowUpFactory.create(patient=patient)
    created = reminders_for_follow_up(patient=patient, follow_up_id=follow_up.pk, due_date=due)
    assert len(created) == 2
    assert sorted(r.on_date for r in created if r.on_date) == [due - timedelta(days=3), due]
    assert all(
        r.next_fire_at and r.next_fire_at.astimezone(patient.zone).time() == time(9, 0) for r in created
    )
    # Moving the follow-up replaces its reminders; completing it removes them.
    reminders_for_follow_up(patient=patient, follow_up_id=follow_up.pk, due_date=due + timedelta(days=7))
    assert Reminder.objects.filter(follow_up=follow_up).count() == 2
    assert reminders_cancel_follow_up(follow_up_id=follow_up.pk) == 2
    # One a day away: only the on-the-day reminder is still ahead.
    soon = reminders_for_follow_up(patient=patient, follow_up_id=other.pk, due_date=due - timedelta(days=8))
    assert [r.on_date for r in soon] == [due - timedelta(days=8)]


def test_send_query_count_does_not_grow_with_reminders(
    patient, trigger_checklist, vapid, fake_push, django_assert_max_num_queries
):
    subscribe(patient, fake_push, "phone")
    for _ in range(5):
        template = template_with_items(4, category="lifestyle")
        assignment_create(patient=patient, template=template, assigned_by=None)
    Reminder.objects.filter(patient=patient).update(next_fire_at=SLOT)
    reminders_sweep(now=SLOT, enqueue=Recorder())
    # 6 statements (claim, decide, feed entry, subscriptions, their success, outcome), plus a savepoint
    # and its release for each of the send's two transactions (inside the test's own).
    with django_assert_max_num_queries(10):
        result = reminders_send_slot(patient_id=patient.pk, slot=SLOT)
    assert result.tasks == 3 + 5 * 4 + 1  # every item plus the diary


def test_weekday_mask_is_respected(patient):
    reminder = reminder_create(
        patient=patient, kind="medication", local_time=time(8, 0), weekdays=weekdays_to_mask([5, 6])
    )
    assert reminder.next_fire_at is not None
    assert reminder.next_fire_at.astimezone(patient.zone).weekday() in (5, 6)


def test_care_plan_follow_ups_get_reminders_and_closing_ends_them(patient, clinician, vapid, fake_push):
    from checklists.careplan import services as careplan

    subscribe(patient, fake_push, "phone")
    due = timezone.now().astimezone(patient.zone).date() + timedelta(days=10)
    follow_up = careplan.followup_create(
        patient=patient, kind="ferritin_tsat_lab", due_date=due, created_by=clinician
    )
    reminder_dates = list(
        Reminder.objects.filter(follow_up_id=follow_up.pk)
        .order_by("on_date")
        .values_list("on_date", flat=True)
    )
    assert reminder_dates == [due - timedelta(days=3), due]
    # Due now; then the clinician records it done before the send task runs: nothing is sent.
    Reminder.objects.filter(follow_up_id=follow_up.pk).update(next_fire_at=SLOT)
    reminders_sweep(now=SLOT, enqueue=Recorder())
    careplan.followup_complete(followup=follow_up, on=due)
    assert not Reminder.objects.filter(follow_up_id=follow_up.pk).exists()
    assert reminders_send_slot(patient_id=patient.pk, slot=SLOT).status in ("none", "skipped")
    assert fake_push.received == []
