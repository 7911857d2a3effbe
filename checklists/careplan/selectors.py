"""Care-plan reads: the combined view for one patient, and the flags for a page of patients.

Both run a fixed number of queries however much history a patient has: planned follow-ups (and the done
vein procedures, scans and infusions the safety net reads; no other history), the last few lab results,
current medications, the latest IRLS total, and the augmentation screening's baseline and diary nights
(the patient list reads the latest stored finding instead).
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.conf import settings
from django.contrib.auth.models import User
from django.db.models import OuterRef, Q, QuerySet, Subquery

from checklists.careplan import safety, wording
from checklists.careplan.augmentation import (
    AugmentationStatus,
    AugmentationWatch,
    DiaryNight,
    augmentation_watch,
    choose_baseline,
    diary_ranges,
)
from checklists.careplan.conditions import iron_note_for
from checklists.careplan.labs import IronInterpretation
from checklists.careplan.safety import Situation
from checklists.clinics.rules import clinic_contact
from checklists.clinics.selectors import same_clinic_q
from checklists.models import (
    AugmentationBaseline,
    AugmentationFinding,
    DiaryEntry,
    FollowUp,
    LabResult,
    Medication,
    Patient,
    SeverityScore,
)
from checklists.models.careplan import FollowUpStatus, MedicationRecognition, Track


@dataclass(frozen=True)
class PlannedItem:
    followup: FollowUp
    days_until: int  # negative when overdue

    @property
    def overdue(self) -> bool:
        return self.days_until < 0


@dataclass
class TrackSummary:
    track: Track
    next_due: PlannedItem | None = None
    overdue: list[PlannedItem] = field(default_factory=list)

    @property
    def label(self) -> str:
        return str(self.track.label)


@dataclass(frozen=True)
class LabRow:
    result: LabResult
    interpretation: IronInterpretation  # clinician-only


@dataclass
class CarePlan:
    """Everything the care-plan view shows; ``augmentation``, interpretations and notes are clinician-only."""

    patient: Patient
    today: date
    tracks: list[TrackSummary]
    timeline: list[PlannedItem]
    labs: list[LabRow]
    medications: list[Medication]
    severity: SeverityScore | None
    augmentation: AugmentationWatch
    # The safety-net situations the patient reads on the plan now (checklists/careplan/safety.py).
    safety: list[Situation] = field(default_factory=list)

    # Patient-facing wording, translated into the language active when it is read.
    @property
    def heading(self) -> str:
        return str(wording.HEADING)

    @property
    def disclaimer(self) -> str:
        return str(wording.DISCLAIMER)

    @property
    def medication_review_note(self) -> str:
        return str(wording.MEDICATION_REVIEW_NOTE)

    @property
    def latest_lab(self) -> LabRow | None:
        return self.labs[0] if self.labs else None

    @property
    def contact(self) -> dict[str, str] | None:
        """Return whom the patient contacts about the plan (name, phone, email, hours), or None if unset.

        The patient's clinic's contact when it has one, else the deployment's (settings.CLINIC_CONTACT);
        reading the clinic is one query, only for a patient with a clinic.
        """
        return clinic_contact(self.patient.clinic if self.patient.clinic_id else None)


def _current_medications(today: date) -> Q:
    return (Q(start_date__isnull=True) | Q(start_date__lte=today)) & (
        Q(stop_date__isnull=True) | Q(stop_date__gte=today)
    )


def _diary_nights(entries: Iterable[DiaryEntry]) -> list[DiaryNight]:
    return [
        DiaryNight(date=e.date, onset_time=e.onset_time, arms_involved=e.arms_involved, severity=e.severity)
        for e in entries
    ]


def _augmentation(*, patient: Patient, today: date, medications: list[Medication]) -> AugmentationWatch:
    """Return the live augmentation screening for ``patient`` given their current ``medications``; reads
    the baseline and the diary nights (two queries) only for a patient on a dopaminergic drug."""
    dopaminergic = [m for m in medications if m.is_dopaminergic]
    if not dopaminergic:
        return augmentation_watch(nights=[], today=today, on_dopaminergic=False)
    chosen = AugmentationBaseline.objects.filter(patient=patient).first()
    baseline = choose_baseline(
        clinician_period=(chosen.start, chosen.end) if chosen else None,
        dopaminergic_starts=[(m.generic_name or m.name, m.start_date) for m in dopaminergic],
    )
    in_ranges = Q()
    for first, last in diary_ranges(today=today, baseline=baseline):
        in_ranges |= Q(date__range=(first, last))
    nights = _diary_nights(
        DiaryEntry.objects.filter(in_ranges, patient=patient).only(
            "date", "onset_time", "arms_involved", "severity"
        )
    )
    return augmentation_watch(nights=nights, today=today, on_dopaminergic=True, baseline=baseline)


def augmentation_for(*, patient: Patient, today: date) -> AugmentationWatch:
    """Return the augmentation screening of ``patient`` as of the night of ``today`` (computed now, not
    stored), in at most three queries."""
    medications = list(Medication.objects.filter(_current_medications(today), patient=patient))
    return _augmentation(patient=patient, today=today, medications=medications)


def augmentation_findings_latest(patient_ids: Iterable[int]) -> dict[int, AugmentationFinding]:
    """Return each patient's latest stored augmentation finding, keyed by patient id, in one query."""
    latest = AugmentationFinding.objects.filter(patient=OuterRef("patient_id")).order_by(
        "-computed_at", "-id"
    )
    return {
        finding.patient_id: finding
        for finding in AugmentationFinding.objects.filter(
            patient_id__in=list(patient_ids), pk=Subquery(latest.values("pk")[:1])
        )
    }


def augmentation_unreviewed_for(clinician: User) -> QuerySet[AugmentationFinding]:
    """Return the "possible augmentation, not reviewed" findings of ``clinician``'s patients, newest
    first (for the clinicians' worklist)."""
    return (
        AugmentationFinding.objects.filter(
            same_clinic_q(clinician, "patient"),
            patient__care_team=clinician,
            status=AugmentationStatus.FLAGGED,
            reviewed_at__isnull=True,
        )
        .select_related("patient__user")
        .order_by("-computed_at", "-id")
    )


def care_plan_for(*, patient: Patient, today: date) -> CarePlan:
    """Return the patient's care plan as of ``today`` (their local date), in at most six queries."""
    # Planned follow-ups, plus the done ones the safety net reads (vein procedures, scans, infusions).
    followups = list(
        FollowUp.objects.filter(
            Q(status=FollowUpStatus.PLANNED) | Q(status=FollowUpStatus.DONE, kind__in=safety.KINDS_READ),
            patient=patient,
        ).order_by("due_date", "id")
    )
    planned = [f for f in followups if f.status == FollowUpStatus.PLANNED]
    labs = list(LabResult.objects.filter(patient=patient)[: settings.CAREPLAN_LAB_TREND_COUNT])
    medications = list(Medication.objects.filter(_current_medications(today), patient=patient))
    severity = SeverityScore.objects.filter(patient=patient).first()

    augmentation = _augmentation(patient=patient, today=today, medications=medications)

    items = [PlannedItem(followup=f, days_until=(f.due_date - today).days) for f in planned]
    tracks = {track: TrackSummary(track=track) for track in Track}
    for item in items:
        summary = tracks[Track(item.followup.track)]
        if item.overdue:
            summary.overdue.append(item)
        elif summary.next_due is None:
            summary.next_due = item
    horizon = settings.CAREPLAN_TIMELINE_DAYS
    return CarePlan(
        patient=patient,
        today=today,
        tracks=list(tracks.values()),
        timeline=[item for item in items if item.days_until <= horizon],
        labs=[LabRow(result=lab, interpretation=iron_note_for(lab, patient)) for lab in labs],
        medications=medications,
        severity=severity,
        augmentation=augmentation,
        safety=safety.safety_situations(
            follow_ups=[
                safety.FollowUpFact(kind=f.kind, status=f.status, completed_on=f.completed_on)
                for f in followups
            ],
            lab_dates=[lab.drawn_on for lab in labs],
            on_dopamine_medicine=any(m.is_dopaminergic for m in medications),
            today=today,
        ),
    )


@dataclass
class PatientFlags:
    """What the clinicians' patient list shows for one patient."""

    iron: IronInterpretation | None = None
    latest_lab: LabResult | None = None
    may_worsen: list[str] = field(default_factory=list)
    dopaminergic: list[str] = field(default_factory=list)
    to_check: list[str] = field(default_factory=list)  # current, "not recognised: check it"; as entered
    augmentation: AugmentationFinding | None = None  # the latest stored screening finding


def care_flags_for_patients(patients: Iterable[Patient]) -> dict[int, PatientFlags]:
    """Return each patient's lab, medication and latest augmentation finding, keyed by patient id, in three
    queries.

    Each patient is judged as of their own local today.
    """
    patients = list(patients)
    if not patients:
        return {}
    today = {p.pk: p.local_today() for p in patients}
    ids = list(today)
    flags = {pk: PatientFlags() for pk in ids}

    latest = LabResult.objects.filter(patient=OuterRef("patient_id")).order_by("-drawn_on", "-id")
    by_id = {p.pk: p for p in patients}
    for lab in LabResult.objects.filter(patient_id__in=ids, pk=Subquery(latest.values("pk")[:1])):
        flags[lab.patient_id].latest_lab = lab
        flags[lab.patient_id].iron = iron_note_for(lab, by_id[lab.patient_id])

    earliest_today = min(today.values())
    medications = Medication.objects.filter(
        Q(is_dopaminergic=True)
        | Q(may_worsen_rls=True)
        | Q(recognition=MedicationRecognition.NOT_RECOGNISED),
        patient_id__in=ids,
    ).filter(Q(stop_date__isnull=True) | Q(stop_date__gte=earliest_today))
    for med in medications:
        if not _is_current(med, today[med.patient_id]):
            continue
        if med.is_dopaminergic:
            flags[med.patient_id].dopaminergic.append(med.generic_name)
        if med.may_worsen_rls:
            flags[med.patient_id].may_worsen.append(med.generic_name)
        if med.recognition == MedicationRecognition.NOT_RECOGNISED:
            flags[med.patient_id].to_check.append(med.name)

    for pk, finding in augmentation_findings_latest(ids).items():
        flags[pk].augmentation = finding
    return flags


def _is_current(med: Medication, today: date) -> bool:
    started = med.start_date is None or med.start_date <= today
    return started and (med.stop_date is None or med.stop_date >= today)


def due_followups(*, queryset: QuerySet, today: date) -> QuerySet:
    """Return the planned follow-ups in ``queryset`` due by today + CAREPLAN_DUE_SOON_DAYS, soonest first."""
    horizon = today + timedelta(days=settings.CAREPLAN_DUE_SOON_DAYS)
    return queryset.filter(status=FollowUpStatus.PLANNED, due_date__lte=horizon).order_by("due_date", "id")
