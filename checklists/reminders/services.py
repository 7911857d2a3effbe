"""Reminder writes: create, edit, snooze, reschedule, the defaults, the follow-up seam, and
the phone's push subscriptions.
"""

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext, ngettext

from checklists.intake import rules as intake_rules
from checklists.models import Assignment, FollowUp, Medication, Patient, PushSubscription
from checklists.models.careplan import FollowUpStatus
from checklists.models.reminders import REPEAT_DEFAULT_TIMES, Reminder, ReminderKind
from checklists.plan.rules import EVERY_DAY
from checklists.reminders.schedule import next_fire


def default_time(key: str) -> time:
    """Return the default local time for ``key`` (a checklist category, 'diary' or 'follow_up')."""
    times = settings.REMINDER_DEFAULT_TIMES
    return time.fromisoformat(times.get(key) or times["other"])


def reminder_next_fire(*, reminder: Reminder, patient: Patient, after: datetime) -> datetime | None:
    """Return the reminder's first regular slot strictly after ``after`` (UTC), or None if none."""
    if not reminder.active:
        return None
    return next_fire(
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
    reminder.repeat_round = 0
    reminder.next_fire_at = reminder_next_fire(reminder=reminder, patient=reminder.patient, after=now)


@transaction.atomic
def reminder_create(
    *,
    patient: Patient,
    kind: str,
    local_time: time,
    weekdays: int = EVERY_DAY,
    on_date: date | None = None,
    assignment: Assignment | None = None,
    follow_up_id: int | None = None,
    medication: Medication | None = None,
    dose_time: time | None = None,
    label: str = "",
    only_if_not_done: bool = True,
    active: bool = True,
    repeat_every_minutes: int | None = None,
    repeat_max_times: int = REPEAT_DEFAULT_TIMES,
) -> Reminder:
    """Create a reminder and schedule its first slot; returns it with ``next_fire_at`` set."""
    reminder_validate_repeat(every_minutes=repeat_every_minutes, max_times=repeat_max_times)
    reminder = Reminder(
        patient=patient,
        kind=kind,
        local_time=local_time,
        weekdays=weekdays,
        on_date=on_date,
        assignment=assignment,
        follow_up_id=follow_up_id,
        medication=medication,
        dose_time=dose_time,
        label=label,
        only_if_not_done=only_if_not_done,
        active=active,
        repeat_every_minutes=repeat_every_minutes,
        repeat_max_times=repeat_max_times,
    )
    _reschedule(reminder)
    reminder.full_clean()
    reminder.save()
    return reminder


REMINDER_EDITABLE_FIELDS = frozenset(
    {
        "local_time",
        "weekdays",
        "on_date",
        "label",
        "only_if_not_done",
        "active",
        "repeat_every_minutes",
        "repeat_max_times",
    }
)
_COMMON_EDITABLE = ("active", "local_time", "only_if_not_done", "repeat_every_minutes", "repeat_max_times")
# What the patient may change on each kind of reminder (the reminders screen); the rest follows the
# care plan: a follow-up's date, a medicine's days and dose time.
PATIENT_EDITABLE_FIELDS: dict[str, tuple[str, ...]] = {
    ReminderKind.ASSIGNMENT: (*_COMMON_EDITABLE, "weekdays", "label"),
    ReminderKind.DIARY: (*_COMMON_EDITABLE, "weekdays", "label"),
    ReminderKind.FOLLOW_UP: _COMMON_EDITABLE,
    ReminderKind.MEDICATION: _COMMON_EDITABLE,
}


def reminder_validate_repeat(*, every_minutes: int | None, max_times: int) -> None:
    """Raise ValidationError (by field) unless the repeat is off or one of the allowed ones."""
    errors = {}
    if every_minutes is not None and every_minutes not in settings.REMINDER_REPEAT_EVERY_MINUTES:
        choices = ", ".join(str(m) for m in settings.REMINDER_REPEAT_EVERY_MINUTES)
        errors["repeat_every_minutes"] = gettext("Choose one of %(choices)s minutes, or off.") % {
            "choices": choices
        }
    if not 1 <= max_times <= settings.REMINDER_REPEAT_MAX_TIMES:
        errors["repeat_max_times"] = gettext("Choose from 1 to %(most)d times.") % {
            "most": settings.REMINDER_REPEAT_MAX_TIMES
        }
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def reminder_update(*, reminder: Reminder, **changes: Any) -> Reminder:
    """Apply ``changes`` (editable fields only) and reschedule from now; returns the reminder.

    Raises ValueError naming a field that may not be changed, ValidationError (by field) for a
    repeat that is not allowed.
    """
    unknown = set(changes) - REMINDER_EDITABLE_FIELDS
    if unknown:
        raise ValueError(f"not editable: {', '.join(sorted(unknown))}")
    for name, value in changes.items():
        setattr(reminder, name, value)
    reminder_validate_repeat(every_minutes=reminder.repeat_every_minutes, max_times=reminder.repeat_max_times)
    _reschedule(reminder)
    reminder.full_clean()
    reminder.save()
    return reminder


def patient_editable_fields(reminder: Reminder) -> tuple[str, ...]:
    """Return the fields the patient may change on ``reminder`` (``PATIENT_EDITABLE_FIELDS`` by kind;
    a medication reminder of no medicine, made before dose reminders, is the patient's own)."""
    if reminder.kind == ReminderKind.MEDICATION and reminder.medication_id is None:
        return PATIENT_EDITABLE_FIELDS[ReminderKind.DIARY]
    return PATIENT_EDITABLE_FIELDS.get(reminder.kind, _COMMON_EDITABLE)


def reminder_patient_update(*, reminder: Reminder, **changes: Any) -> Reminder:
    """The patient's change from the reminders screen: only the fields ``patient_editable_fields``
    allows. Raises ValidationError naming each field that is not."""
    allowed = patient_editable_fields(reminder)
    refused = sorted(set(changes) - set(allowed))
    if refused:
        raise ValidationError({name: gettext("This can't be changed for this reminder.") for name in refused})
    return reminder_update(reminder=reminder, **changes)


def reminder_snooze_cancel(*, reminder: Reminder, now: datetime | None = None) -> Reminder:
    """End the reminder's snooze (and any repeats): back to its next regular slot; returns it."""
    _reschedule(reminder, now=now)
    Reminder.objects.filter(pk=reminder.pk).update(
        snoozed_until=None, repeat_round=0, next_fire_at=reminder.next_fire_at, updated_at=timezone.now()
    )
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

    Returns how many reminders were rescheduled; snoozes are kept. Dose reminders first follow the
    patient's times of day ("evening" may have moved).
    """
    patient_medication_reminders_sync(patient=patient)
    now = timezone.now()
    count = 0
    for reminder in Reminder.objects.filter(patient=patient).select_related("patient"):
        reminder.patient = patient
        regular = reminder_next_fire(reminder=reminder, patient=patient, after=now)
        if reminder.snoozed_until and reminder.snoozed_until > now:
            regular = reminder.snoozed_until
            Reminder.objects.filter(pk=reminder.pk).update(next_fire_at=regular)
        else:
            Reminder.objects.filter(pk=reminder.pk).update(next_fire_at=regular, repeat_round=0)
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
    for medication in Medication.objects.filter(patient=patient, reminders__isnull=True).exclude(
        dose_times=""
    ):
        created.extend(medication_reminders_sync(medication=medication))
    return created


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
    if not title:
        # No title of its own: the follow-up's kind names it ("Venous duplex ultrasound: in 3 days").
        follow_up = FollowUp.objects.filter(pk=follow_up_id).first()
        title = follow_up.display_title if follow_up else ""
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


def follow_up_reminders_sync(follow_up: FollowUp) -> list[Reminder]:
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


LABEL_MAX: int = Reminder._meta.get_field("label").max_length or 80


def _follow_up_label(title: str, days_before: int) -> str:
    """Return the in-app name of a follow-up reminder, e.g. "Duplex ultrasound: in 3 days"."""
    when = (
        gettext("today")
        if days_before == 0
        else ngettext("in %(days)d day", "in %(days)d days", days_before) % {"days": days_before}
    )
    if not title:
        return (gettext("Follow-up %(when)s") % {"when": when})[:LABEL_MAX]
    # Shorten the title, never the "in 3 days": cut together, the two reminders of a long title read
    # the same in the app's list.
    suffix = f": {when}"
    room = LABEL_MAX - len(suffix)
    if len(title) > room:
        title = title[: room - 1].rstrip() + "\u2026"
    return title + suffix


def reminders_cancel_follow_up(*, follow_up_id: int) -> int:
    """Delete the follow-up's reminders (it was done, moved or cancelled); returns how many."""
    deleted, _ = Reminder.objects.filter(kind=ReminderKind.FOLLOW_UP, follow_up_id=follow_up_id).delete()
    return deleted


def _medication_dose_times(medication: Medication, patient: Patient) -> set[time]:
    """Return the medicine's dose times as wall times, resolved for the patient; empty when it has no
    schedule (as needed, none entered) or has stopped."""
    if medication.as_needed or (medication.stop_date and medication.stop_date < patient.local_today()):
        return set()
    try:
        tokens = intake_rules.parse_dose_times(medication.dose_times)
    except ValueError:
        return set()  # not saved through the form; never guess a time
    day_times = intake_rules.patient_day_times(patient)
    return {time.fromisoformat(intake_rules.resolve(token, day_times)) for token in tokens}


@transaction.atomic
def medication_reminders_sync(*, medication: Medication) -> list[Reminder]:
    """Bring a medicine's dose reminders in line with its schedule: one reminder per dose time, made
    when a dose time appears and deleted when it goes; the patient's settings on a dose time that
    stays (on/off, time, repeat) are kept. A dose time that moves (the patient changed their
    "evening") carries its reminder along. Returns the medicine's dose reminders.

    Call after saving a medicine's schedule and after the patient's times of day change.
    """
    patient = medication.patient
    wanted = _medication_dose_times(medication, patient)
    existing = {r.dose_time: r for r in Reminder.objects.select_for_update().filter(medication=medication)}
    gone = [existing.pop(t) for t in sorted(set(existing) - wanted, key=lambda t: (t is None, t))]
    new = sorted(wanted - set(existing))
    # Days of the week follow the medicine; every other day fires daily and the send-time rule
    # (intake.rules.is_dose_day) skips the off days.
    weekdays = EVERY_DAY if medication.every_other_day else medication.dose_weekdays or EVERY_DAY
    changed = []
    if len(gone) == 1 and len(new) == 1:
        moved, at = gone.pop(), new.pop()
        if moved.local_time == moved.dose_time:
            moved.local_time = at
        moved.dose_time = at
        existing[at] = moved
        changed.append(moved)
    Reminder.objects.filter(pk__in=[r.pk for r in gone]).delete()
    changed += [r for r in existing.values() if r.weekdays != weekdays and r not in changed]
    for reminder in changed:
        reminder.weekdays = weekdays
        _reschedule(reminder)
        reminder.save()
    for at in new:
        existing[at] = reminder_create(
            patient=patient,
            kind=ReminderKind.MEDICATION,
            medication=medication,
            dose_time=at,
            local_time=at,
            weekdays=weekdays,
        )
    return sorted(existing.values(), key=lambda r: r.local_time)


def patient_medication_reminders_sync(*, patient: Patient) -> int:
    """Sync the dose reminders of each of the patient's medicines (after their times of day changed);
    returns how many dose reminders they now have."""
    return sum(
        len(medication_reminders_sync(medication=medication))
        for medication in Medication.objects.filter(patient=patient).select_related("patient")
    )


class PushSubscriptionLimitReached(Exception):
    """The patient already has ``PUSH_SUBSCRIPTIONS_PER_PATIENT`` push subscriptions."""


@transaction.atomic
def push_subscription_save(
    *, patient: Patient, endpoint: str, p256dh: str, auth: str, user_agent: str = ""
) -> tuple[PushSubscription, bool]:
    """Store a browser's Web Push subscription for ``patient``; returns (subscription, created).

    The endpoint and keys must have passed ``checklists.reminders.endpoints``. Posting an endpoint
    again updates the patient's own subscription. A subscription never moves to another patient:
    another patient posting the same endpoint gets a subscription of its own (and the same answer as
    for any new one), so it can neither take this one over nor learn that it exists.

    Raises PushSubscriptionLimitReached for a new subscription beyond PUSH_SUBSCRIPTIONS_PER_PATIENT.
    """
    # One save at a time per patient (PostgreSQL), so that two at once cannot both pass the limit.
    list(Patient.objects.select_for_update().filter(pk=patient.pk).values_list("pk"))
    fields = {"p256dh": p256dh, "auth": auth, "user_agent": user_agent[:300], "failure_count": 0}
    updated = PushSubscription.objects.filter(patient=patient, endpoint=endpoint).update(**fields)
    if updated:
        return PushSubscription.objects.get(patient=patient, endpoint=endpoint), False
    if PushSubscription.objects.filter(patient=patient).count() >= settings.PUSH_SUBSCRIPTIONS_PER_PATIENT:
        raise PushSubscriptionLimitReached
    return PushSubscription.objects.create(patient=patient, endpoint=endpoint, **fields), True


def push_subscription_delete(*, patient: Patient, subscription_id: int) -> bool:
    """Delete one of the patient's push subscriptions; returns False when it is not theirs or gone."""
    deleted, _ = PushSubscription.objects.filter(patient=patient, pk=subscription_id).delete()
    return bool(deleted)
