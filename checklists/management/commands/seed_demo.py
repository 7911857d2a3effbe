"""Create the demo clinicians, patients, plans and two weeks of history (idempotent)."""

import random
from datetime import time, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.timezone import now

from checklists.accounts.services import clinician_create
from checklists.careplan import services as careplan_services
from checklists.careplan.augmentation_services import augmentation_screen
from checklists.clinics.services import clinic_membership_set
from checklists.models import (
    Assignment,
    AssignmentItem,
    AugmentationBaseline,
    ChecklistTemplate,
    CheckOff,
    Clinic,
    DiaryEntry,
    FollowUp,
    LabResult,
    Medication,
    Patient,
)
from checklists.models.careplan import FollowUpKind  # care plan
from checklists.plan.services import assignment_create, library_install_defaults
from checklists.sync.changes import patient_take_seq

DEMO_PASSWORD = "rls-demo-2026"
DEMO_TEAMS = [
    # (clinician, patient, patient's time zone)
    ("clinician@example.com", "patient@example.com", "Europe/London"),
    ("clinician2@example.com", "patient2@example.com", "America/New_York"),
]
# Clinics apart: each demo clinician leads their own clinic (contact details: CLINIC_CONTACT_*).
DEMO_CLINICS = {"clinician@example.com": "Demo clinic", "clinician2@example.com": "Second demo clinic"}
HISTORY_DAYS = 14
# Care plan demo (care-plan issue): every flag shows for this patient.
CAREPLAN_DEMO_PATIENT = "patient@example.com"
CAREPLAN_DIARY_NIGHTS = 21


class Command(BaseCommand):
    help = "Create demo clinicians and patients with plans and two weeks of check-offs. Safe to run again."

    def add_arguments(self, parser):
        parser.add_argument("--password", default=DEMO_PASSWORD, help="Password for every demo account.")
        parser.add_argument("--force", action="store_true", help="Run even when DEBUG is off.")

    @transaction.atomic
    def handle(self, *args: Any, password: str, force: bool, **options: Any) -> None:
        if not settings.DEBUG and not force:
            raise CommandError(
                "seed_demo refuses to run with DEBUG off (production?). Use --force if you mean it."
            )
        library_install_defaults()
        templates = list(
            ChecklistTemplate.objects.filter(category__in=["lifestyle", "trigger_avoidance"]).order_by("name")
        )
        for clinician_email, patient_email, time_zone in DEMO_TEAMS:
            clinician = self._user(clinician_email, password, staff=True)
            patient = self._patient(patient_email, password, time_zone)
            patient.care_team.add(clinician)
            self._clinic(clinician, patient)
            self._plan(patient, clinician, templates)
            if patient_email == CAREPLAN_DEMO_PATIENT:
                self._care_plan(patient, clinician)
            self.stdout.write(f"{clinician_email} looks after {patient_email}")
        self.stdout.write(self.style.SUCCESS(f"Demo data ready. Password for every account: {password}"))

    def _user(self, email: str, password: str, *, staff: bool) -> User:
        User = get_user_model()
        user = User.objects.filter(username=email).first()
        if user is None:
            if staff:
                return clinician_create(
                    email=email, password=password, first_name="Demo", last_name="Clinician"
                )
            user = User.objects.create_user(
                username=email, email=email, password=password, first_name="Demo", last_name="Patient"
            )
        else:
            user.set_password(password)
            user.save(update_fields=["password"])
        return user

    def _patient(self, email: str, password: str, time_zone: str) -> Patient:
        user = self._user(email, password, staff=False)
        # Demo accounts come with a password, so their invitation counts as accepted.
        patient, _ = Patient.objects.get_or_create(
            user=user, defaults={"time_zone": time_zone, "invited_at": now(), "invitation_accepted_at": now()}
        )
        return patient

    def _clinic(self, clinician: User, patient: Patient) -> None:
        clinic, _ = Clinic.objects.get_or_create(name=DEMO_CLINICS[clinician.email])
        clinic_membership_set(user=clinician, clinic=clinic, is_lead=True)
        Patient.objects.filter(pk=patient.pk).update(clinic=clinic)
        patient.clinic = clinic

    def _plan(self, patient: Patient, clinician: User, templates: list[ChecklistTemplate]) -> None:
        start = patient.local_today() - timedelta(days=HISTORY_DAYS)
        for template in templates:
            if not Assignment.objects.filter(patient=patient, template=template).exists():
                assignment_create(patient=patient, template=template, assigned_by=clinician, start_date=start)
        if CheckOff.objects.filter(patient=patient).exists():
            return
        # Repeatable history: about three quarters of items done, a little worse at weekends.
        rng = random.Random(patient.user.email)
        items = AssignmentItem.objects.filter(assignment__patient=patient, retired_at__isnull=True)
        rows: list[CheckOff] = []
        for offset in range(HISTORY_DAYS, 0, -1):
            day = patient.local_today() - timedelta(days=offset)
            chance = 0.6 if day.weekday() >= 5 else 0.8
            rows.extend(
                CheckOff(item=item, patient=patient, date=day, done=True)
                for item in items
                if rng.random() < chance
            )
        # Each row gets the next server change sequence number, as a sync would give it.
        first = patient_take_seq(patient_id=patient.pk, count=len(rows))
        for seq, row in enumerate(rows, start=first):
            row.seq = seq
        CheckOff.objects.bulk_create(rows)

    def _care_plan(self, patient: Patient, clinician: User) -> None:
        """Labs a month ago, a duplex due in 10 days, an overdue medication review, two flagged medicines
        and three weeks of diary whose onset moves earlier (care-plan issue). Each part only once."""
        today = patient.local_today()
        drawn_on = today - timedelta(days=30)
        if not LabResult.objects.filter(patient=patient).exists():
            careplan_services.labresult_add(  # the service stores the guideline note with its rules
                patient=patient,
                drawn_on=drawn_on,
                ferritin=Decimal("58"),
                tsat=Decimal("17"),
                laboratory="Demo hospital laboratory (immunoassay)",
                entered_by=clinician,
            )
        if not FollowUp.objects.filter(patient=patient).exists():
            careplan_services.followup_create(
                patient=patient,
                kind=FollowUpKind.FERRITIN_TSAT_LAB,
                title=(
                    "Ferritin and TSAT recheck: morning draw, "
                    "no iron-containing supplements or foods for 24 h before"
                ),
                due_date=drawn_on + timedelta(weeks=settings.CAREPLAN_FERRITIN_RECHECK_WEEKS),
                use_default_recurrence=True,
                created_by=clinician,
            )
            careplan_services.followup_create(
                patient=patient,
                kind=FollowUpKind.VENOUS_DUPLEX,
                due_date=today + timedelta(days=10),
                created_by=clinician,
            )
            careplan_services.followup_create(
                patient=patient,
                kind=FollowUpKind.MEDICATION_REVIEW,
                due_date=today - timedelta(days=3),
                notes="Sertraline and pramipexole: check for augmentation and worsening.",
                created_by=clinician,
            )
        for name, dose, when in [
            ("Sertraline", "50 mg", "morning"),
            ("Pramipexole", "0.25 mg", "evening"),
        ]:
            if not Medication.objects.filter(patient=patient, name=name).exists():
                careplan_services.medication_add(
                    patient=patient,
                    name=name,
                    dose_text=dose,
                    times_of_day=when,
                    dose_times=when,
                    start_date=today - timedelta(days=365),
                    entered_by=clinician,
                )
        if not DiaryEntry.objects.filter(patient=patient).exists():
            # Onset moves from 22:00 to 18:00 over three weeks; arms join on the last two nights.
            rows = []
            for offset in range(CAREPLAN_DIARY_NIGHTS, 0, -1):
                minutes = 22 * 60 - (CAREPLAN_DIARY_NIGHTS - offset) * 12
                rows.append(
                    DiaryEntry(
                        patient=patient,
                        date=today - timedelta(days=offset),
                        severity=4 + (CAREPLAN_DIARY_NIGHTS - offset) // 7,
                        onset_time=time(minutes // 60, minutes % 60),
                        sleep_quality=7 - (CAREPLAN_DIARY_NIGHTS - offset) // 7,
                        arms_involved=offset <= 2,
                    )
                )
            first = patient_take_seq(patient_id=patient.pk, count=len(rows))
            for seq, row in enumerate(rows, start=first):
                row.seq = seq
            DiaryEntry.objects.bulk_create(rows)
            # Pramipexole started long before the diary: the clinician picked its first week as the
            # augmentation baseline; the screening then stores its finding for the admin.
            AugmentationBaseline.objects.get_or_create(
                patient=patient,
                defaults={
                    "start": rows[0].date,
                    "end": rows[6].date,
                    "note": "demo: the diary's first week",
                    "set_by": clinician,
                },
            )
            augmentation_screen(patient=patient)
