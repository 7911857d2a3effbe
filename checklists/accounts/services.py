"""Writes of accounts: clinicians, patients and the patient's own settings."""

from datetime import time
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission, User
from django.db import transaction

from checklists.accounts.permissions import CLINICIAN_PERMISSIONS
from checklists.clinics.selectors import patient_clinic_for
from checklists.models import Patient
from checklists.models.patients import CLINICIANS_GROUP
from checklists.reminders.services import reminders_reschedule_patient


def clinicians_group_sync() -> Group:
    """Ensure the Clinicians group exists with exactly CLINICIAN_PERMISSIONS; returns the group."""
    group, _ = Group.objects.get_or_create(name=CLINICIANS_GROUP)
    wanted: list[Permission] = []
    for app_label, codename in CLINICIAN_PERMISSIONS:
        wanted.extend(Permission.objects.filter(content_type__app_label=app_label, codename=codename))
    group.permissions.set(wanted)
    return group


def clinician_create(*, email: str, password: str | None, first_name: str = "", last_name: str = "") -> User:
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
    clinician: User | None = None,
    invite: bool = True,
) -> Patient:
    """Create a patient with a sign-in account that has no password yet, on ``clinician``'s care team.

    With ``invite`` the invitation email (a one-time link to choose a password) is sent once the
    transaction commits, so a failed save never emails anyone.
    """
    from checklists.accounts.invitations import invitation_send

    user = get_user_model().objects.create_user(
        username=email, email=email, password=None, first_name=first_name, last_name=last_name
    )
    patient = Patient(
        user=user,
        time_zone=time_zone,
        language=language,
        quiet_hours_start=quiet_hours_start,
        quiet_hours_end=quiet_hours_end,
        clinic=patient_clinic_for(clinician=clinician),  # the inviting clinician's clinic
    )
    patient.full_clean(exclude=["user"])
    patient.save()
    if clinician is not None and not clinician.is_superuser:
        patient.care_team.add(clinician)
    if invite:
        transaction.on_commit(lambda: invitation_send(patient=patient))
    return patient


def patient_settings_update(*, patient: Patient, **changes: Any) -> Patient:
    """Save the patient's own settings (time zone, language, quiet hours, questions for the visit) as
    given; returns the patient.

    The caller validates; the model's constraint keeps quiet hours both-or-neither.
    """
    allowed = {"time_zone", "language", "quiet_hours_start", "quiet_hours_end", "visit_questions"}
    unknown = set(changes) - allowed
    if unknown:
        raise ValueError(f"not patient settings: {sorted(unknown)}")
    for name, value in changes.items():
        setattr(patient, name, value)
    if changes:
        patient.save(update_fields=list(changes))
    # local times follow the patient's zone and quiet hours.
    if {"time_zone", "quiet_hours_start", "quiet_hours_end"} & set(changes):
        reminders_reschedule_patient(patient=patient)
    return patient
