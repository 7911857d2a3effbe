"""The summary at the top of a patient's page: what a clinician reads to prepare a visit, before the forms.

Read-only and built from the selectors the rest of the app uses (nothing is computed twice in another
way): the recorded conditions (careplan/conditions.py), the care plan (careplan/selectors.py: current
medicines, follow-ups, iron notes, the augmentation watch), intake adherence (intake/selectors.py), the
checklists' adherence over the plan's window (plan/selectors.py), and the diary and IRLS totals. The
charts are the visit report's, drawn on the server as SVG (report/charts.py): no script, CSP-safe,
each with a title and a table or sentence saying the same in words.

The work is bounded whatever the history: a fixed number of queries, capped rows.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from checklists.careplan import labs
from checklists.careplan.conditions import recorded_conditions
from checklists.careplan.labs import IronInterpretation
from checklists.careplan.selectors import care_plan_for
from checklists.careplan.severity import irls_band
from checklists.intake.rules import describe_intake
from checklists.intake.selectors import as_written, intake_adherence_for
from checklists.models import Assignment, DiaryEntry, Patient, SeverityScore
from checklists.models.careplan import MedicationRecognition
from checklists.plan.rules import adherence_label
from checklists.plan.selectors import adherence_for
from checklists.report import charts
from checklists.report.selectors import LabPoint, NightPoint, ScorePoint

# The diary looks back as far as the visit report does by default: a visit looks back a few months.
SUMMARY_DIARY_WEEKS = 12
# IRLS totals are scored at visits (monthly at most in practice): the last dozen cover a year or more.
SUMMARY_MAX_SCORES = 12
# States the clinician must look at (the medicine check's marks in checklists/admin/medications.py).
FLAGGED_STATES = {MedicationRecognition.DOPAMINERGIC, MedicationRecognition.MAY_WORSEN_RLS}


@dataclass(frozen=True)
class SummaryMedicine:
    name: str
    dose: str
    when: str
    state: str  # the medicine check's state, as the clinician reads it beside the row below
    flagged: bool  # dopaminergic or may worsen RLS
    unrecognised: bool  # "not recognised: check it"
    intake: str  # the patient's intake log, or "" when nothing is scheduled or logged


@dataclass(frozen=True)
class SummaryAdherence:
    name: str
    done: int
    due: int

    @property
    def share(self) -> float | None:
        return self.done / self.due if self.due else None


@dataclass(frozen=True)
class SummaryFollowUp:
    title: str
    track: str
    due_date: date
    days_until: int  # negative when overdue

    @property
    def days_ago(self) -> int:
        return -self.days_until


@dataclass
class PatientSummary:
    today: date
    conditions: list[str]
    medicines: list[SummaryMedicine]
    augmentation: str
    labs: list[LabPoint]
    iron_note: IronInterpretation | None
    scores: list[ScorePoint]
    nights: list[NightPoint]
    diary_first: date
    adherence_label: str
    adherence: list[SummaryAdherence]
    overdue: list[SummaryFollowUp]
    upcoming: list[SummaryFollowUp]
    charts: dict[str, SafeString] = field(default_factory=dict)

    @property
    def mean_severity(self) -> float | None:
        values = [n.severity for n in self.nights]
        return sum(values) / len(values) if values else None

    @property
    def timeline_days(self) -> int:
        return settings.CAREPLAN_TIMELINE_DAYS

    @property
    def diary_weeks(self) -> int:
        return SUMMARY_DIARY_WEEKS

    @property
    def iron_lines(self) -> str:
        """Return the guideline lines the iron charts draw, in words (careplan/labs.py)."""
        return str(
            _(
                "Dashed lines: ferritin %(low)s and %(high)s ng/mL, TSAT %(tsat)s%% and %(guard)s%% "
                "(%(sources)s)."
            )
        ) % {
            "low": labs.FERRITIN_ORAL_OR_IV_MAX,
            "high": labs.FERRITIN_IV_ONLY_MAX,
            "tsat": labs.TSAT_LOW_BELOW,
            "guard": labs.TSAT_UPPER_GUARD,
            # The sources' short names: the full citations are beside each note below.
            "sources": "; ".join(source.split(" (")[0] for source in labs.RULESET.sources[:2]),
        }

    @property
    def diary_days(self) -> int:
        return (self.today - self.diary_first).days


def _medicines(plan: Any, intake: dict[int, Any]) -> list[SummaryMedicine]:
    rows = []
    for med in plan.medications:
        state = MedicationRecognition(med.recognition)
        rows.append(
            SummaryMedicine(
                name=med.name,
                dose=med.dose_text,
                when=as_written(med),
                state=str(state.label),
                flagged=state in FLAGGED_STATES,
                unrecognised=state == MedicationRecognition.NOT_RECOGNISED,
                intake=describe_intake(intake[med.pk].windows) if med.pk in intake else "",
            )
        )
    return rows


def _adherence(patient: Patient) -> list[SummaryAdherence]:
    counts = adherence_for(patients=[patient]).get(patient.pk)
    if counts is None or not counts.checklists:
        return []
    names = dict(
        Assignment.objects.filter(pk__in=list(counts.checklists))
        .order_by("start_date", "id")
        .values_list("pk", "name")
    )
    return [
        SummaryAdherence(name=name, done=counts.checklists[pk][0], due=counts.checklists[pk][1])
        for pk, name in names.items()
    ]


def patient_summary_for(*, patient: Patient) -> PatientSummary:
    """Return the summary of ``patient`` as of their local today; a fixed number of queries (about ten)."""
    today = patient.local_today()
    plan = care_plan_for(patient=patient, today=today)
    intake = {row.medication_id: row for row in intake_adherence_for(patient=patient, today=today)}
    # The care plan reads the newest CAREPLAN_LAB_TREND_COUNT results, newest first.
    lab_points = [
        LabPoint(
            drawn_on=row.result.drawn_on,
            ferritin=row.result.ferritin,
            ferritin_unit=row.result.ferritin_unit,
            tsat=row.result.tsat,
            laboratory=row.result.laboratory,
        )
        for row in reversed(plan.labs)
    ]
    scores = [
        ScorePoint(scored_on=s.scored_on, total=s.irls_total, band=str(irls_band(s.irls_total).label))
        for s in reversed(
            list(
                SeverityScore.objects.filter(patient=patient).order_by("-scored_on", "-id")[
                    :SUMMARY_MAX_SCORES
                ]
            )
        )
    ]
    diary_first = today - timedelta(weeks=SUMMARY_DIARY_WEEKS)
    # One night per date (a unique constraint), so the period bounds the rows.
    nights = [
        NightPoint(
            date=e.date,
            severity=e.severity,
            onset_time=e.onset_time,
            sleep_quality=e.sleep_quality,
            arms_involved=e.arms_involved,
        )
        for e in DiaryEntry.objects.filter(patient=patient, date__gte=diary_first, date__lt=today)
        .order_by("date")
        .only("date", "severity", "onset_time", "sleep_quality", "arms_involved")
    ]
    followups = [
        SummaryFollowUp(
            title=item.followup.display_title,
            track=str(item.followup.get_track_display()),
            due_date=item.followup.due_date,
            days_until=item.days_until,
        )
        for item in plan.timeline
    ]
    summary = PatientSummary(
        today=today,
        conditions=recorded_conditions(patient),
        medicines=_medicines(plan, intake),
        augmentation=(
            f"{plan.augmentation.status.label}: {' '.join(plan.augmentation.reasons)}".rstrip(": ")
            if plan.augmentation.status != "not_applicable"
            else ""
        ),
        labs=lab_points,
        iron_note=plan.labs[0].interpretation if plan.labs else None,
        scores=scores,
        nights=nights,
        diary_first=diary_first,
        adherence_label=adherence_label(settings.ADHERENCE_WINDOW_DAYS),
        adherence=_adherence(patient),
        overdue=[f for f in followups if f.days_until < 0],
        upcoming=[f for f in followups if f.days_until >= 0],
    )
    summary.charts = _charts(summary)
    return summary


def _charts(summary: PatientSummary) -> dict[str, SafeString]:
    today = summary.today
    lab_first = summary.labs[0].drawn_on if summary.labs else today
    score_first = summary.scores[0].scored_on if summary.scores else today
    return {
        "ferritin": charts.ferritin_chart(
            summary.labs, min(lab_first, today - timedelta(days=1)), today, guidelines=True
        ),
        "tsat": charts.tsat_chart(
            summary.labs, min(lab_first, today - timedelta(days=1)), today, guidelines=True, upper_guard=True
        ),
        "irls": charts.irls_chart(summary.scores, min(score_first, today - timedelta(days=1)), today),
        "nights": charts.nights_chart(summary.nights, summary.diary_first, today - timedelta(days=1)),
        "onset": charts.onset_chart(summary.nights, summary.diary_first, today - timedelta(days=1)),
    }


class PatientSummaryAdminMixin:
    """Puts ``patient_summary`` in the patient change page's context (the page's template shows it)."""

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and obj.pk:
            context["patient_summary"] = patient_summary_for(patient=obj)
        return super().render_change_form(  # type: ignore[misc]
            request, context, add=add, change=change, form_url=form_url, obj=obj
        )
