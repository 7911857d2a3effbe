"""The visit report's data: one patient, one period, for the clinician or for the patient themself.

Everything here is plain data (dataclasses of dates, numbers and text) for the template and the charts.
What the patient's version leaves out is decided by the care plan's rules (careplan/selectors.py and the
patient API's serializers): the iron interpretations and guideline notes, the medication flags, the
augmentation watch and every clinician note are clinician-only.

The work is bounded whatever the history: the period is at most REPORT_MAX_WEEKS weeks, and each table
is read with a row cap, in a fixed number of queries (about a dozen).
"""

from dataclasses import dataclass, field
from datetime import date, time, timedelta
from decimal import Decimal
from typing import Literal

from django.utils.translation import gettext as _

from checklists.careplan.augmentation import AugmentationWatch
from checklists.careplan.conditions import iron_note_for, recorded_conditions
from checklists.careplan.labs import IronInterpretation
from checklists.careplan.selectors import care_plan_for
from checklists.careplan.severity import irls_band
from checklists.intake.rules import describe_intake
from checklists.intake.selectors import as_written, intake_adherence_for
from checklists.models import DiaryEntry, FollowUp, LabResult, Patient, SeverityScore
from checklists.models.careplan import FollowUpStatus
from checklists.plan.selectors import days_for

Audience = Literal["clinician", "patient"]
AUDIENCES: tuple[Audience, ...] = ("clinician", "patient")

# The default period, and the longest one a report covers: a visit looks back a few months, and the
# bound keeps a report of a patient with years of history as quick as one of a new patient.
REPORT_DEFAULT_WEEKS = 12
REPORT_MAX_WEEKS = 26
# Row caps (a period of REPORT_MAX_WEEKS holds at most 182 diary nights; labs and IRLS totals are
# monthly at most in practice): more rows than these would not fit on two pages anyway.
REPORT_MAX_LABS = 30
REPORT_MAX_SCORES = 30
REPORT_MAX_FOLLOWUPS = 30
# The access log's object kind for a report viewed or downloaded (it is no table of its own).
REPORT_KIND = "checklists.visitreport"


class ReportPeriodError(ValueError):
    """The requested period cannot be reported; the message says why, for the person who asked."""


def report_period(*, today: date, first: date | None = None, last: date | None = None) -> tuple[date, date]:
    """Return the (first, last) days of a report; either may be missing.

    The default is the REPORT_DEFAULT_WEEKS weeks up to ``today`` (or up to ``last``); raises
    ReportPeriodError for a period that ends before it starts or after today, or one longer than
    REPORT_MAX_WEEKS weeks.
    """
    last = last or today
    first = first or last - timedelta(weeks=REPORT_DEFAULT_WEEKS, days=-1)
    if last > today:
        raise ReportPeriodError(_("The period cannot end after today."))
    if first > last:
        raise ReportPeriodError(_("The period must start on or before its last day."))
    if (last - first).days + 1 > REPORT_MAX_WEEKS * 7:
        raise ReportPeriodError(
            _("A report covers at most %(weeks)d weeks: choose a shorter period.")
            % {"weeks": REPORT_MAX_WEEKS}
        )
    return first, last


def report_period_from_query(*, today: date, first: str | None, last: str | None) -> tuple[date, date]:
    """Return ``report_period`` of ``?from=&to=`` text (ISO dates; absent means the default)."""
    try:
        first_day = None if first is None else date.fromisoformat(first)
        last_day = None if last is None else date.fromisoformat(last)
    except ValueError:
        raise ReportPeriodError(_("Give the dates as YYYY-MM-DD.")) from None
    return report_period(today=today, first=first_day, last=last_day)


@dataclass(frozen=True)
class LabPoint:
    drawn_on: date
    ferritin: Decimal | None
    ferritin_unit: str
    tsat: Decimal | None
    laboratory: str


@dataclass(frozen=True)
class IronNote:
    """The guideline note on the latest result, with its citation and the clinician's own note."""

    drawn_on: date
    label: str
    note: str
    citation: str
    flagged: bool
    clinician_note: str
    rule_version: str = ""


@dataclass(frozen=True)
class ScorePoint:
    scored_on: date
    total: int
    band: str


@dataclass(frozen=True)
class NightPoint:
    date: date
    severity: int
    onset_time: time | None
    sleep_quality: int | None
    arms_involved: bool


@dataclass(frozen=True)
class NightsSummary:
    recorded: int
    days: int
    mean_severity: float | None
    mean_sleep_quality: float | None
    arms_nights: int


@dataclass(frozen=True)
class ChecklistAdherence:
    name: str
    due: int
    done: int

    @property
    def share(self) -> float | None:
        return self.done / self.due if self.due else None


@dataclass(frozen=True)
class MedicineRow:
    name: str
    dose: str
    times_of_day: str
    start_date: date | None
    flags: list[str]  # clinician-only: empty in the patient's version
    patient_note: str  # the wording the patient's care plan shows with the medicine, if any
    clinician_note: str
    intake: str = ""  # the patient's intake log over the last 7 and 30 complete days (intake.rules)


@dataclass(frozen=True)
class FollowUpRow:
    title: str
    track: str
    due_date: date
    completed_on: date | None
    days_until: int | None
    clinician_note: str


@dataclass
class VisitReport:
    """Everything one visit report shows; the patient's version has the clinician-only parts empty."""

    patient_name: str
    audience: Audience
    first: date
    last: date
    generated_on: date
    visit_questions: str
    labs: list[LabPoint] = field(default_factory=list)
    latest_lab: LabPoint | None = None
    iron_note: IronNote | None = None  # clinician-only
    iron_notes: list[IronNote] = field(default_factory=list)  # clinician-only: each result of the period
    conditions: list[str] = field(default_factory=list)  # clinician-only: as the clinician recorded them
    date_of_birth: date | None = None  # clinician-only, with the conditions
    scores: list[ScorePoint] = field(default_factory=list)
    nights: list[NightPoint] = field(default_factory=list)
    nights_summary: NightsSummary | None = None
    adherence: list[ChecklistAdherence] = field(default_factory=list)
    medicines: list[MedicineRow] = field(default_factory=list)
    augmentation: str = ""  # clinician-only: the watch's status and evidence, when on a dopaminergic drug
    followups_done: list[FollowUpRow] = field(default_factory=list)
    followups_overdue: list[FollowUpRow] = field(default_factory=list)
    followups_upcoming: list[FollowUpRow] = field(default_factory=list)

    @property
    def for_clinician(self) -> bool:
        return self.audience == "clinician"

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1


def _lab_point(lab: LabResult) -> LabPoint:
    return LabPoint(
        drawn_on=lab.drawn_on,
        ferritin=lab.ferritin,
        ferritin_unit=lab.ferritin_unit,
        tsat=lab.tsat,
        laboratory=lab.laboratory,
    )


def _iron_note(lab: LabResult, patient: Patient) -> IronNote:
    interpretation: IronInterpretation = iron_note_for(lab, patient)
    return IronNote(
        drawn_on=lab.drawn_on,
        label=interpretation.label,
        note=interpretation.note,
        citation=interpretation.citation,
        flagged=interpretation.flagged,
        clinician_note=lab.notes,
        rule_version=interpretation.rule_version,
    )


def _mean(values: list[int]) -> float | None:
    return sum(values) / len(values) if values else None


def _augmentation_text(watch: AugmentationWatch) -> str:
    reasons = " ".join(watch.reasons)
    if not watch.baseline_window:
        return f"{watch.status.label}: {reasons}" if reasons else str(watch.status.label)
    return f"{watch.status.label}: {reasons} {watch.evidence}".replace(":  ", ": ")


def _adherence(patient: Patient, first: date, last: date) -> list[ChecklistAdherence]:
    days = days_for(patient=patient, first=first, last=last)
    totals: dict[int, list[int]] = {}
    for day in days["days"]:
        for checklist in day["checklists"]:
            counts = totals.setdefault(checklist["id"], [0, 0])
            counts[0] += checklist["due"]
            counts[1] += checklist["done"]
    return [
        ChecklistAdherence(
            name=checklist["name"], due=totals[checklist["id"]][0], done=totals[checklist["id"]][1]
        )
        for checklist in days["checklists"]
        if checklist["id"] in totals
    ]


def visit_report_for(*, patient: Patient, first: date, last: date, audience: Audience) -> VisitReport:
    """Return the visit report of ``patient`` for the days ``first`` to ``last`` (their local dates).

    ``audience`` "patient" leaves out what the care plan keeps for the clinician. The caller checks the
    period with ``report_period``; a longer one is cut to its last REPORT_MAX_WEEKS weeks here too.
    """
    if audience not in AUDIENCES:
        raise ValueError(f"audience is one of {AUDIENCES}; got {audience!r}")
    first = max(first, last - timedelta(weeks=REPORT_MAX_WEEKS, days=-1))
    clinician = audience == "clinician"
    today = patient.local_today()
    report = VisitReport(
        patient_name=patient.user.get_full_name() or patient.user.email,
        audience=audience,
        first=first,
        last=last,
        generated_on=today,
        visit_questions=patient.visit_questions,
    )

    labs = list(
        LabResult.objects.filter(patient=patient, drawn_on__range=(first, last)).order_by("-drawn_on", "-id")[
            :REPORT_MAX_LABS
        ]
    )
    latest = labs[0] if labs else LabResult.objects.filter(patient=patient, drawn_on__lte=last).first()
    report.labs = [_lab_point(lab) for lab in reversed(labs)]
    if clinician:
        report.conditions = recorded_conditions(patient)
        report.date_of_birth = patient.date_of_birth
        report.iron_notes = [_iron_note(lab, patient) for lab in reversed(labs)]
    if latest is not None:
        report.latest_lab = _lab_point(latest)
        if clinician:
            report.iron_note = _iron_note(latest, patient)

    scores = SeverityScore.objects.filter(patient=patient, scored_on__range=(first, last)).order_by(
        "-scored_on"
    )
    report.scores = [
        ScorePoint(scored_on=s.scored_on, total=s.irls_total, band=str(irls_band(s.irls_total).label))
        for s in reversed(list(scores[:REPORT_MAX_SCORES]))
    ]

    # One night per date (a unique constraint), so the period bounds the rows.
    entries = DiaryEntry.objects.filter(patient=patient, date__range=(first, last)).order_by("date")
    report.nights = [
        NightPoint(
            date=e.date,
            severity=e.severity,
            onset_time=e.onset_time,
            sleep_quality=e.sleep_quality,
            arms_involved=e.arms_involved,
        )
        for e in entries.only("date", "severity", "onset_time", "sleep_quality", "arms_involved")
    ]
    report.nights_summary = NightsSummary(
        recorded=len(report.nights),
        days=report.days,
        mean_severity=_mean([n.severity for n in report.nights]),
        mean_sleep_quality=_mean([n.sleep_quality for n in report.nights if n.sleep_quality is not None]),
        arms_nights=sum(1 for n in report.nights if n.arms_involved),
    )

    report.adherence = _adherence(patient, first, last)

    plan = care_plan_for(patient=patient, today=today)
    intake = {row.medication_id: row for row in intake_adherence_for(patient=patient, today=today)}
    for med in plan.medications:
        flags = []
        if clinician and med.is_dopaminergic:
            flags.append(_("dopaminergic"))
        if clinician and med.may_worsen_rls:
            flags.append(_("may worsen RLS"))
        report.medicines.append(
            MedicineRow(
                name=med.name,
                dose=med.dose_text,
                times_of_day=as_written(med),  # the clinician's entry: the text, else the dose times
                start_date=med.start_date,
                flags=flags,
                # The patient's care plan shows this wording with such a medicine; so does their report.
                patient_note="" if clinician or not med.may_worsen_rls else plan.medication_review_note,
                clinician_note=med.notes if clinician else "",
                intake=describe_intake(intake[med.pk].windows) if med.pk in intake else "",
            )
        )
    if clinician and plan.augmentation.status != "not_applicable":
        report.augmentation = _augmentation_text(plan.augmentation)

    for item in plan.timeline:
        row = FollowUpRow(
            title=item.followup.display_title,
            track=str(item.followup.get_track_display()),
            due_date=item.followup.due_date,
            completed_on=None,
            days_until=item.days_until,
            clinician_note=item.followup.notes if clinician else "",
        )
        (report.followups_overdue if item.overdue else report.followups_upcoming).append(row)
    done = FollowUp.objects.filter(
        patient=patient, status=FollowUpStatus.DONE, completed_on__range=(first, last)
    ).order_by("-completed_on", "-id")[:REPORT_MAX_FOLLOWUPS]
    report.followups_done = [
        FollowUpRow(
            title=f.display_title,
            track=str(f.get_track_display()),
            due_date=f.due_date,
            completed_on=f.completed_on,
            days_until=None,
            clinician_note=f.notes if clinician else "",
        )
        for f in reversed(list(done))
    ]
    return report
