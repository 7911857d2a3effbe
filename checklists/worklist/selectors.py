"""The clinicians' worklist: which of their patients need attention now and why, in a constant number of
queries whatever the number of patients (ten: patients, follow-ups, labs, augmentation findings,
medicines, diary severity, adherence (two), reviews; the admin adds the access log's)."""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db.models import Avg, Count, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from checklists.accounts.invitations import InvitationState, invitation_state
from checklists.careplan.conditions import iron_note_for
from checklists.clinics.rules import adherence_alert_below
from checklists.models import (
    AugmentationFinding,
    DiaryEntry,
    FollowUp,
    LabNote,
    LabResult,
    Medication,
    MedicationFinding,
    Patient,
    SyncOp,
    WorklistReview,
)
from checklists.models.careplan import FollowUpStatus, MedicationRecognition
from checklists.plan.rules import Adherence, adherence_label, adherence_window
from checklists.worklist import rules
from checklists.worklist.adherence import adherence_cached
from checklists.worklist.rules import Attention, Reason

# The medicine check's findings that ask the clinician to look (checklists/careplan/medications.py).
MEDICINE_STATES_FLAGGED = (MedicationRecognition.MAY_WORSEN_RLS, MedicationRecognition.NOT_RECOGNISED)


# What the rules read of a patient (their name, zone, invitation, clinic, and the conditions the iron
# note depends on, checklists/careplan/conditions.py iron_context): 1,000 patients load faster without
# the rest.
PATIENT_FIELDS = (
    "time_zone",
    "invited_at",
    "invitation_accepted_at",
    "created_at",
    "sync_seq",
    "date_of_birth",
    "chronic_kidney_disease",
    "on_dialysis",
    "pregnant",
    "pregnancy_due_date",
    "user__username",
    "user__email",
    "user__first_name",
    "user__last_name",
    "user__password",
    "clinic__adherence_alert_below_percent",
)


@dataclass
class WorklistRow:
    """One patient with the reasons that need attention now (``open``) and those reviewed (``quiet``)."""

    patient: Patient
    open: list[Attention] = field(default_factory=list)
    quiet: list[Attention] = field(default_factory=list)
    reviewed_at: dict[str, datetime] = field(default_factory=dict)  # review key -> when

    @property
    def reasons(self) -> set[str]:
        return {a.reason for a in self.open}


def _followups(ids: QuerySet, latest_today: date) -> dict[int, list[date]]:
    due: dict[int, list[date]] = defaultdict(list)
    rows = FollowUp.objects.filter(
        patient_id__in=ids, status=FollowUpStatus.PLANNED, due_date__lt=latest_today
    ).order_by()
    for patient_id, due_date in rows.values_list("patient_id", "due_date"):
        due[patient_id].append(due_date)
    return due


def _latest_labs(ids: QuerySet) -> dict[int, LabResult]:
    latest = LabResult.objects.filter(patient=OuterRef("patient_id")).order_by("-drawn_on", "-id")
    note_changed = LabNote.objects.filter(lab_result=OuterRef("pk")).order_by("-superseded_at")
    labs = LabResult.objects.filter(patient_id__in=ids, pk=Subquery(latest.values("pk")[:1])).annotate(
        note_changed_at=Subquery(note_changed.values("superseded_at")[:1])
    )
    return {lab.patient_id: lab for lab in labs}


def _flagged_medicines(ids: QuerySet, earliest_today: date) -> dict[int, list[Medication]]:
    current = MedicationFinding.objects.filter(medication=OuterRef("pk"), superseded_at__isnull=True)
    medicines = (
        Medication.objects.filter(patient_id__in=ids, recognition__in=MEDICINE_STATES_FLAGGED)
        .filter(Q(stop_date__isnull=True) | Q(stop_date__gte=earliest_today))
        .annotate(
            found_at=Subquery(current.values("created_at")[:1]),
            override_state=Subquery(current.values("override_state")[:1]),
        )
        .order_by("name", "id")
    )
    by_patient: dict[int, list[Medication]] = defaultdict(list)
    for medicine in medicines:
        by_patient[medicine.patient_id].append(medicine)
    return by_patient


def _severity(
    ids: QuerySet, patients: Sequence[Patient], today: dict[int, date], span: timedelta
) -> dict[int, tuple[tuple[float | None, int], tuple[float | None, int]]]:
    """Return each patient's ((mean, nights) recent, (mean, nights) before) diary severity; one query.

    The windows end on each patient's own local today; patients are grouped by their time zones' today
    (a few groups: time zones put today on at most two or three dates)."""
    groups: dict[date, set[str]] = defaultdict(set)
    for patient in patients:
        groups[today[patient.pk]].add(patient.time_zone)
    recent, before = Q(pk__in=[]), Q(pk__in=[])
    for day, zones in groups.items():
        recent |= Q(patient__time_zone__in=sorted(zones), date__gt=day - span, date__lte=day)
        before |= Q(patient__time_zone__in=sorted(zones), date__gt=day - 2 * span, date__lte=day - span)
    first, last = min(groups) - 2 * span, max(groups)
    rows = (
        DiaryEntry.objects.filter(patient_id__in=ids, date__gt=first, date__lte=last)
        .order_by()
        .values("patient_id")
        .annotate(
            recent_mean=Avg("severity", filter=recent),
            recent_n=Count("id", filter=recent),
            before_mean=Avg("severity", filter=before),
            before_n=Count("id", filter=before),
        )
    )
    return {
        row["patient_id"]: (
            (row["recent_mean"], row["recent_n"]),
            (row["before_mean"], row["before_n"]),
        )
        for row in rows
    }


def _latest_findings(ids: QuerySet) -> dict[int, AugmentationFinding]:
    """Return each patient's latest stored augmentation finding (as augmentation_findings_latest)."""
    latest = AugmentationFinding.objects.filter(patient=OuterRef("patient_id")).order_by(
        "-computed_at", "-id"
    )
    rows = AugmentationFinding.objects.filter(patient_id__in=ids, pk=Subquery(latest.values("pk")[:1]))
    return {finding.patient_id: finding for finding in rows}


def _reviews(ids: QuerySet) -> dict[int, dict[str, datetime]]:
    reviews: dict[int, dict[str, datetime]] = defaultdict(dict)
    rows = WorklistReview.objects.filter(patient_id__in=ids).values_list(
        "patient_id", "reason", "reviewed_at"
    )
    for patient_id, reason, reviewed_at in rows:
        reviews[patient_id][reason] = reviewed_at
    return reviews


def worklist_for(*, patients: QuerySet[Patient], now: datetime | None = None) -> list[WorklistRow]:
    """Return a row for every patient of ``patients`` (already scoped to the clinician) that has at least
    one reason open, most urgent first (``rules.rank``), each patient judged as of their local today."""
    now = now or timezone.now()
    last_sync = SyncOp.objects.filter(patient=OuterRef("pk")).order_by("-received_at")
    people = list(
        patients.select_related("user", "clinic")
        .only(*PATIENT_FIELDS)
        .annotate(last_sync=Subquery(last_sync.values("received_at")[:1]))
        .order_by()
    )
    if not people:
        return []
    ids = patients.order_by().values("pk")  # a subquery: the scope is the database's to apply
    today = {p.pk: now.astimezone(p.zone).date() for p in people}
    followups = _followups(ids, max(today.values()))
    labs = _latest_labs(ids)
    findings = _latest_findings(ids)
    medicines = _flagged_medicines(ids, min(today.values()))
    span = timedelta(weeks=settings.WORKLIST_SEVERITY_WEEKS)
    severity = _severity(ids, people, today, span)
    adherence = adherence_cached(ids, people, today)
    reviews = _reviews(ids)
    invitation_labels = {
        state.value: str(state.label) for state in InvitationState
    }  # this request's language

    rows = []
    for patient in people:
        attentions = list(
            _attentions(
                patient,
                today=today[patient.pk],
                now=now,
                followups=followups.get(patient.pk, []),
                lab=labs.get(patient.pk),
                finding=findings.get(patient.pk),
                medicines=medicines.get(patient.pk, []),
                severity=severity.get(patient.pk),
                span=span,
                adherence=adherence.get(patient.pk),
                invitation_labels=invitation_labels,
            )
        )
        reviewed = reviews.get(patient.pk, {})
        row = WorklistRow(patient=patient, reviewed_at=reviewed)
        for attention in attentions:
            quiet = rules.is_quiet(attention, reviewed.get(rules.review_key(attention.reason)))
            (row.quiet if quiet else row.open).append(attention)
        if row.open:
            row.open.sort(key=lambda a: a.urgency)
            rows.append(row)
    rows.sort(key=lambda row: rules.rank(row.open))
    return rows


def _attentions(
    patient: Patient,
    *,
    today: date,
    now: datetime,
    followups: list[date],
    lab: LabResult | None,
    finding: AugmentationFinding | None,
    medicines: list[Medication],
    severity: tuple[tuple[float | None, int], tuple[float | None, int]] | None,
    span: timedelta,
    adherence: Adherence | None,
    invitation_labels: dict[str, str],
) -> Iterable[Attention]:
    zone = patient.zone
    if found := rules.overdue_follow_up(followups, today, zone):
        yield found
    if lab is not None:
        note = iron_note_for(lab, patient)
        if found := rules.lab_result(
            entered_at=lab.created_at,
            note_changed_at=getattr(lab, "note_changed_at", None),
            flagged=note.flagged,
            note=lambda: note.label,
            drawn_on=lab.drawn_on,
            entered_by_clinician=lab.entered_by_id is not None,
        ):
            yield found
    if finding is not None and (
        found := rules.augmentation(
            flagged=finding.flagged, reviewed=finding.reviewed_at is not None, computed_at=finding.computed_at
        )
    ):
        yield found
    current = [
        rules.FlaggedMedicine(
            name=m.name,
            state_label=MedicationRecognition(m.recognition).label.__str__,
            found_at=getattr(m, "found_at", None) or m.created_at,
            overridden=bool(getattr(m, "override_state", "")),
        )
        for m in medicines
        if (m.start_date is None or m.start_date <= today) and (m.stop_date is None or m.stop_date >= today)
    ]
    if found := rules.medication_flagged(current):
        yield found
    if severity is not None and (
        found := rules.severity_worse(
            recent=severity[0],
            before=severity[1],
            window_start=today - span + timedelta(days=1),
            zone=zone,
            rise=settings.WORKLIST_SEVERITY_RISE,
            min_nights=settings.WORKLIST_SEVERITY_MIN_NIGHTS,
        )
    ):
        yield found
    if adherence is not None:
        days = settings.ADHERENCE_WINDOW_DAYS
        first, _last = adherence_window(today, days)
        if found := rules.adherence_low(
            done=adherence.done,
            due=adherence.due,
            below=adherence_alert_below(patient.clinic),
            window_start=first,
            zone=zone,
            label=lambda: adherence_label(days),
        ):
            yield found
    state = invitation_state(patient=patient)
    if found := rules.no_sync(
        accepted=state == InvitationState.ACCEPTED,
        last_sync=getattr(patient, "last_sync", None),
        accepted_at=patient.invitation_accepted_at,
        now=now,
        days=settings.WORKLIST_NO_SYNC_DAYS,
    ):
        yield found
    if found := rules.invitation(
        accepted=state == InvitationState.ACCEPTED,
        invited_at=patient.invited_at,
        created_at=patient.created_at,
        valid_for=timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT),
        now=now,
        labels=invitation_labels,
    ):
        yield found


SORTS = ("urgency", "name", *Reason.values)


def worklist_filtered(
    rows: list[WorklistRow], *, reason: str = "", sort: str = "urgency"
) -> list[WorklistRow]:
    """Return ``rows`` with ``reason`` open (all when empty), ordered by ``sort``: "urgency" (as given),
    "name", or a reason: the patients with it first, longest waiting first, then the others."""
    if reason:
        rows = [row for row in rows if reason in row.reasons]
    if sort == "name":
        return sorted(rows, key=lambda row: str(row.patient).casefold())
    if sort in Reason.values:

        def key(row: WorklistRow) -> tuple:
            since = [a.since for a in row.open if a.reason == sort]
            return (0, min(since)) if since else (1, rules.rank(row.open)[2])

        return sorted(rows, key=key)
    return rows


def reason_counts(rows: list[WorklistRow]) -> dict[str, int]:
    """Return how many of ``rows`` have each reason open (every reason, zeros included)."""
    counts = dict.fromkeys(Reason.values, 0)
    for row in rows:
        for reason in row.reasons:
            counts[reason] += 1
    return counts
