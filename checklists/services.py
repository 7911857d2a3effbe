"""Writes of the checklist domain: keyword-only functions named <entity>_<action>."""

from collections.abc import Iterable
from datetime import date, time

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, Group, Permission
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from checklists import schedule
from checklists.library.defaults import DEFAULT_TEMPLATES
from checklists.models import (
    Assignment,
    AssignmentItem,
    ChecklistTemplate,
    DiaryEntry,
    Patient,
    PushSubscription,
    TemplateItem,
)
from checklists.models.patients import CLINICIANS_GROUP
from checklists.permissions import CLINICIAN_PERMISSIONS
from checklists.reminders import reminder_defaults_ensure, reminders_reschedule_patient


def library_install_defaults() -> list[ChecklistTemplate]:
    """Create the default library templates that are missing (by name); existing ones are left as they are."""
    installed = []
    for data in DEFAULT_TEMPLATES:
        template, created = ChecklistTemplate.objects.get_or_create(
            name=data["name"], defaults={"category": data["category"], "description": data["description"]}
        )
        if created:
            TemplateItem.objects.bulk_create(
                TemplateItem(template=template, position=position, **item)
                for position, item in enumerate(data["items"])
            )
        installed.append(template)
    return installed


def clinicians_group_sync() -> Group:
    """Ensure the Clinicians group exists with exactly CLINICIAN_PERMISSIONS; returns the group."""
    group, _ = Group.objects.get_or_create(name=CLINICIANS_GROUP)
    wanted = []
    for app_label, codename in CLINICIAN_PERMISSIONS:
        wanted.extend(Permission.objects.filter(content_type__app_label=app_label, codename=codename))
    group.permissions.set(wanted)
    return group


def clinician_create(*, email: str, password: str | None, first_name: str = "", last_name: str = ""):
    """Create a staff user in the Clinicians group, with username equal to the email."""
    user = get_user_model().objects.create_user(
        username=email,
        email=email,
        password=password,
        first_name=first_name,
        last_name=last_name,
        is_staff=True,
    )
    user.groups.add(clinicians_group_sync())
    return user


@transaction.atomic
def patient_create(
    *,
    email: str,
    first_name: str = "",
    last_name: str = "",
    time_zone: str = "UTC",
    language: str = "en",
    quiet_hours_start: time | None = None,
    quiet_hours_end: time | None = None,
    clinician: AbstractBaseUser | None = None,
    invite: bool = True,
) -> Patient:
    """Create a patient with a sign-in account that has no password yet, on ``clinician``'s care team.

    With ``invite`` the invitation email (a one-time link to choose a password) is sent once the
    transaction commits, so a failed save never emails anyone.
    """
    from checklists.invitations import invitation_send

    user = get_user_model().objects.create_user(
        username=email, email=email, password=None, first_name=first_name, last_name=last_name
    )
    patient = Patient(
        user=user,
        time_zone=time_zone,
        language=language,
        quiet_hours_start=quiet_hours_start,
        quiet_hours_end=quiet_hours_end,
    )
    patient.full_clean(exclude=["user"])
    patient.save()
    if clinician is not None and not clinician.is_superuser:
        patient.care_team.add(clinician)
    if invite:
        transaction.on_commit(lambda: invitation_send(patient=patient))
    return patient


@transaction.atomic
def assignment_create(
    *,
    patient: Patient,
    template: ChecklistTemplate,
    assigned_by: AbstractBaseUser | None,
    start_date: date | None = None,
    end_date: date | None = None,
    weekdays: int = schedule.EVERY_DAY,
) -> Assignment:
    """Assign ``template`` to ``patient``, copying its items so later library edits never rewrite the plan."""
    assignment = Assignment.objects.create(
        patient=patient,
        template=template,
        name=template.name,
        category=template.category,
        assigned_by=assigned_by,
        start_date=start_date or patient.local_today(),
        end_date=end_date,
        weekdays=weekdays,
    )
    AssignmentItem.objects.bulk_create(
        AssignmentItem(
            assignment=assignment,
            template_item=item,
            position=item.position,
            text=item.text,
            help_text=item.help_text,
            source=item.source,
        )
        for item in template.items.all()
    )
    # Reminders (issue 6): the checklist's daily reminder and the diary's, if the patient has none.
    reminder_defaults_ensure(patient=patient)
    return assignment


@transaction.atomic
def assignments_bulk_create(
    *,
    patients: Iterable[Patient],
    template: ChecklistTemplate,
    assigned_by: AbstractBaseUser | None,
    start_date: date | None = None,
) -> list[Assignment]:
    """Assign ``template`` to each patient; all or nothing."""
    return [
        assignment_create(patient=patient, template=template, assigned_by=assigned_by, start_date=start_date)
        for patient in patients
    ]


def assignment_item_add(*, assignment: Assignment, item: AssignmentItem) -> AssignmentItem:
    """Add a new item to a running checklist; it is due from the patient's today, not retroactively."""
    item.assignment = assignment
    if item.due_from is None:
        item.due_from = max(assignment.start_date, assignment.patient.local_today())
    item.save()
    return item


def patient_take_seq(*, patient_id: int, count: int = 1) -> int:
    """Reserve ``count`` consecutive server change numbers for a patient; returns the first.

    Call inside ``transaction.atomic``: the UPDATE locks the patient's row until commit, so one
    patient's writes commit in sequence order and a client cursor never skips a change.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("patient_take_seq must run inside transaction.atomic")
    Patient.objects.filter(pk=patient_id).update(sync_seq=F("sync_seq") + count)
    last = Patient.objects.values_list("sync_seq", flat=True).get(pk=patient_id)
    return last - count + 1


def assignment_item_retire(*, item: AssignmentItem) -> AssignmentItem:
    """Stop an item being due from now on; its past check-offs stay."""
    if item.retired_at is None:
        item.retired_at = timezone.now()
        item.save(update_fields=["retired_at"])
    return item


# --- patient API (api issue) --------------------------------------------------------------------------


def patient_settings_update(*, patient: Patient, **changes) -> Patient:
    """Save the patient's own settings (time zone, language, quiet hours) as given; returns the patient.

    The caller validates; the model's constraint keeps quiet hours both-or-neither.
    """
    allowed = {"time_zone", "language", "quiet_hours_start", "quiet_hours_end"}
    unknown = set(changes) - allowed
    if unknown:
        raise ValueError(f"not patient settings: {sorted(unknown)}")
    for name, value in changes.items():
        setattr(patient, name, value)
    if changes:
        patient.save(update_fields=list(changes))
    # Reminders (issue 6): local times follow the patient's zone and quiet hours.
    if {"time_zone", "quiet_hours_start", "quiet_hours_end"} & set(changes):
        reminders_reschedule_patient(patient=patient)
    return patient


@transaction.atomic
def diary_entry_put(*, patient: Patient, day: date, **fields) -> tuple[DiaryEntry, bool]:
    """Create or replace the patient's diary entry for ``day``; returns (entry, created).

    The write takes a change number, so phones pulling with a sync cursor see it, and counts as a
    change at the server's current time for last-writer-wins against ops still on a phone.
    """
    seq = patient_take_seq(patient_id=patient.pk)
    entry, created = DiaryEntry.objects.update_or_create(
        patient=patient,
        date=day,
        defaults={**fields, "seq": seq, "op_id": None, "client_at": timezone.now()},
    )
    return entry, created


def push_subscription_save(
    *, patient: Patient, endpoint: str, p256dh: str, auth: str, user_agent: str = ""
) -> tuple[PushSubscription, bool]:
    """Store a browser's Web Push subscription for ``patient``; returns (subscription, created).

    Posting an endpoint again updates its keys; an endpoint last stored for someone else moves to
    ``patient``, because a browser's push endpoint belongs to whoever is signed in on it now.
    """
    return PushSubscription.objects.update_or_create(
        endpoint=endpoint,
        defaults={
            "patient": patient,
            "p256dh": p256dh,
            "auth": auth,
            "user_agent": user_agent[:300],
            "failure_count": 0,
        },
    )


def push_subscription_delete(*, patient: Patient, subscription_id: int) -> bool:
    """Delete one of the patient's push subscriptions; returns False when it is not theirs or gone."""
    deleted, _ = PushSubscription.objects.filter(patient=patient, pk=subscription_id).delete()
    return bool(deleted)
