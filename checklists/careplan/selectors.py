"""Care-plan reads: the combined view for one patient, and the flags for a page of patients.

Both run a fixed number of queries however much history a patient has: planned follow-ups (history is
not read), the last few lab results, current medications, the latest IRLS total, and the diary nights of
the augmentation windows.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.conf import settings
from django.db.models import OuterRef, Q, QuerySet, Subquery

from checklists.careplan import wording
from checklists.careplan.augmentation import AugmentationWatch, DiaryNight, augmentation_watch, watch_windows
from checklists.careplan.labs import IronInterpretation, interpret_iron
from checklists.models import DiaryEntry, FollowUp, LabResult, Medication, Patient, SeverityScore
from checklists.models.careplan import FollowUpStatus, Track


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

        One contact for the deployment (settings.CLINIC_CONTACT) until clinics are recorded.
        """
        return settings.CLINIC_CONTACT


def _current_medications(today: date) -> Q:
    return (Q(start_date__isnull=True) | Q(start_date__lte=today)) & (
        Q(stop_date__isnull=True) | Q(stop_date__gte=today)
    )


def _diary_nights(entries: Iterable[DiaryEntry]) -> list[DiaryNight]:
    return [DiaryNight(date=e.date, onset_time=e.onset_time, arms_involved=e.arms_involved) for e in entries]


def care_plan_for(*, patient: Patient, today: date) -> CarePlan:
    """Return the patient's care plan as of ``today`` (their local date), in at most five queries."""
    planned = list(
        FollowUp.objects.filter(patient=patient, status=FollowUpStatus.PLANNED).order_by("due_date", "id")
    )
    labs = list(LabResult.objects.filter(patient=patient)[: settings.CAREPLAN_LAB_TREND_COUNT])
    medications = list(Medication.objects.filter(_current_medications(today), patient=patient))
    severity = SeverityScore.objects.filter(patient=patient).first()

    on_dopaminergic = any(m.is_dopaminergic for m in medications)
    nights: list[DiaryNight] = []
    if on_dopaminergic:
        first, last = watch_windows(today)
        nights = _diary_nights(
            DiaryEntry.objects.filter(patient=patient, date__range=(first, last)).only(
                "date", "onset_time", "arms_involved"
            )
        )

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
        labs=[
            LabRow(result=lab, interpretation=interpret_iron(ferritin=lab.ferritin, tsat=lab.tsat))
            for lab in labs
        ],
        medications=medications,
        severity=severity,
        augmentation=augmentation_watch(nights=nights, today=today, on_dopaminergic=on_dopaminergic),
    )


@dataclass
class PatientFlags:
    """What the clinicians' patient list shows for one patient."""

    iron: IronInterpretation | None = None
    latest_lab: LabResult | None = None
    may_worsen: list[str] = field(default_factory=list)
    dopaminergic: list[str] = field(default_factory=list)
    augmentation: AugmentationWatch | None = None


def care_flags_for_patients(patients: Iterable[Patient]) -> dict[int, PatientFlags]:
    """Return each patient's lab, medication and augmentation flags, keyed by patient id, in three queries.

    Each patient is judged as of their own local today.
    """
    patients = list(patients)
    if not patients:
        return {}
    today = {p.pk: p.local_today() for p in patients}
    ids = list(today)
    flags = {pk: PatientFlags() for pk in ids}

    latest = LabResult.objects.filter(patient=OuterRef("patient_id")).order_by("-drawn_on", "-id")
    for lab in LabResult.objects.filter(patient_id__in=ids, pk=Subquery(latest.values("pk")[:1])):
        flags[lab.patient_id].latest_lab = lab
        flags[lab.patient_id].iron = interpret_iron(ferritin=lab.ferritin, tsat=lab.tsat)

    earliest_today, latest_today = min(today.values()), max(today.values())
    medications = Medication.objects.filter(
        Q(is_dopaminergic=True) | Q(may_worsen_rls=True), patient_id__in=ids
    ).filter(Q(stop_date__isnull=True) | Q(stop_date__gte=earliest_today))
    for med in medications:
        if not _is_current(med, today[med.patient_id]):
            continue
        if med.is_dopaminergic:
            flags[med.patient_id].dopaminergic.append(med.generic_name)
        if med.may_worsen_rls:
            flags[med.patient_id].may_worsen.append(med.generic_name)

    watched = [pk for pk in ids if flags[pk].dopaminergic]
    nights: dict[int, list[DiaryEntry]] = defaultdict(list)
    if watched:
        first = watch_windows(earliest_today)[0]
        entries = DiaryEntry.objects.filter(patient_id__in=watched, date__range=(first, latest_today)).only(
            "patient_id", "date", "onset_time", "arms_involved"
        )
        for entry in entries:
            nights[entry.patient_id].append(entry)
    for pk in ids:
        flags[pk].augmentation = augmentation_watch(
            nights=_diary_nights(nights[pk]), today=today[pk], on_dopaminergic=bool(flags[pk].dopaminergic)
        )
    return flags


def _is_current(med: Medication, today: date) -> bool:
    started = med.start_date is None or med.start_date <= today
    return started and (med.stop_date is None or med.stop_date >= today)


def due_followups(*, queryset: QuerySet, today: date) -> QuerySet:
    """Return the planned follow-ups in ``queryset`` due by today + CAREPLAN_DUE_SOON_DAYS, soonest first."""
    horizon = today + timedelta(days=settings.CAREPLAN_DUE_SOON_DAYS)
    return queryset.filter(status=FollowUpStatus.PLANNED, due_date__lte=horizon).order_by("due_date", "id")
