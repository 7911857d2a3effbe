"""Reads of the intake log: a patient's dose times on a day, which doses are recorded, and the intake
adherence per medicine the care team sees (patient page, worklist data)."""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, time

from django.db.models import Min, Q

from checklists.intake import rules
from checklists.models import IntakeRecord, Medication, Patient

# What the schedule rule reads from a medicine (plus what the clinician's view shows).
_SCHEDULE_FIELDS = (
    "id",
    "patient_id",
    "name",
    "dose_text",
    "times_of_day",
    "dose_times",
    "dose_weekdays",
    "every_other_day",
    "as_needed",
    "start_date",
    "stop_date",
    "created_at",
)


def current_on(day: date) -> Q:
    """Return the filter of medicines current on ``day`` (within their start and stop dates)."""
    return (Q(start_date__isnull=True) | Q(start_date__lte=day)) & (
        Q(stop_date__isnull=True) | Q(stop_date__gte=day)
    )


def dose_slots_for(*, patient: Patient, day: date) -> dict[int, list[str]]:
    """Return each of the patient's scheduled medicines current on local date ``day`` with its dose
    times that day ("HH:MM", sorted; only medicines with at least one). One query."""
    day_times = rules.patient_day_times(patient)
    medications = Medication.objects.filter(current_on(day), patient=patient, as_needed=False).exclude(
        dose_times=""
    )
    slots = {
        med.pk: rules.dose_slots_on(med, day, day_times=day_times)
        for med in medications.only(*_SCHEDULE_FIELDS)
    }
    return {pk: times for pk, times in slots.items() if times}


def doses_recorded(*, pairs: Iterable[tuple[int, date]]) -> set[tuple[int, date, str]]:
    """Return (medication id, date, "HH:MM") of every dose recorded taken or skipped for the given
    (medication id, local date) pairs. One query whatever the number of pairs."""
    wanted = set(pairs)
    if not wanted:
        return set()
    rows = (
        IntakeRecord.objects.filter(
            medication_id__in={med for med, _ in wanted},
            date__in={day for _, day in wanted},
            slot__isnull=False,
        )
        .order_by()
        .values_list("medication_id", "date", "slot")
    )
    return {(med, day, f"{slot:%H:%M}") for med, day, slot in rows if (med, day) in wanted}


@dataclass(frozen=True)
class MedicationAdherence:
    """One medicine's intake over the last 7 and 30 complete days, for the care team."""

    medication_id: int
    name: str
    as_written: str
    as_needed: bool
    windows: tuple[rules.IntakeWindow, ...]  # one per rules.INTAKE_ADHERENCE_WINDOWS, shortest first
    skipped_reasons: list[rules.SkippedReason]

    def window(self, days: int) -> rules.IntakeWindow:
        """Return the window of ``days`` days."""
        return next(w for w in self.windows if w.days == days)


def intake_adherence_by_patient(
    *, patients: Sequence[Patient], today: dict[int, date] | None = None
) -> dict[int, list[MedicationAdherence]]:
    """Return, per patient id, the intake adherence of each medicine current at some time in the
    longest window (by name), over the complete local days before each patient's today (or
    ``today[patient id]``). No dose is owed before ``rules.owed_from_day``. Three queries however many
    patients and medicines."""
    if not patients:
        return {}
    todays = {p.pk: (today or {}).get(p.pk) or p.local_today() for p in patients}
    longest = max(rules.INTAKE_ADHERENCE_WINDOWS)
    starts = {pk: rules.adherence_window(day, longest)[0] for pk, day in todays.items()}
    first, last = min(starts.values()), max(todays.values())
    medications = list(
        Medication.objects.filter(patient_id__in=list(todays))
        .filter(Q(start_date__isnull=True) | Q(start_date__lt=last))
        .filter(Q(stop_date__isnull=True) | Q(stop_date__gte=first))
        .only(*_SCHEDULE_FIELDS)
        .order_by("name", "id")
    )
    records: dict[int, list[tuple[date, time | None, str, str]]] = defaultdict(list)
    for med_id, day, slot, status, reason in (
        IntakeRecord.objects.filter(patient_id__in=list(todays), date__gte=first, date__lt=last)
        .order_by()
        .values_list("medication_id", "date", "slot", "status", "reason")
    ):
        records[med_id].append((day, slot, status, reason))
    first_records = dict(
        IntakeRecord.objects.filter(patient_id__in=list(todays))
        .order_by()
        .values("patient_id")
        .annotate(first=Min("date"))
        .values_list("patient_id", "first")
    )
    by_patient = {p.pk: p for p in patients}
    result: dict[int, list[MedicationAdherence]] = {pk: [] for pk in todays}
    for med in medications:
        patient_today = todays[med.patient_id]
        window_first, window_last = rules.adherence_window(patient_today, longest)
        if (med.start_date and med.start_date > window_last) or (
            med.stop_date and med.stop_date < window_first
        ):
            continue
        patient = by_patient[med.patient_id]
        day_times = rules.patient_day_times(patient)
        owed_from = rules.owed_from_day(
            start=med.start_date,
            entered=med.created_at.astimezone(patient.zone).date(),
            first_record=first_records.get(med.patient_id),
            today=patient_today,
        )
        rows = records.get(med.pk, [])
        windows = tuple(
            rules.count_intake(
                med,
                [(day, slot, status) for day, slot, status, _ in rows],
                today=patient_today,
                days=days,
                day_times=day_times,
                owed_from=owed_from,
            )
            for days in sorted(rules.INTAKE_ADHERENCE_WINDOWS)
        )
        reasons = rules.skipped_reasons(
            [(day, status, reason) for day, _, status, reason in rows], first=window_first, last=window_last
        )
        result[med.patient_id].append(
            MedicationAdherence(
                medication_id=med.pk,
                name=med.name,
                as_written=as_written(med),
                as_needed=med.as_needed,
                windows=windows,
                skipped_reasons=reasons,
            )
        )
    return result


def intake_adherence_for(*, patient: Patient, today: date | None = None) -> list[MedicationAdherence]:
    """Return the patient's intake adherence per medicine (see ``intake_adherence_by_patient``);
    three queries however many medicines."""
    return intake_adherence_by_patient(patients=[patient], today={patient.pk: today} if today else None)[
        patient.pk
    ]


def as_written(medication: Medication) -> str:
    """Return when the medicine is taken as the clinician wrote it: the free text, else the dose times."""
    return medication.times_of_day.strip() or medication.dose_times.strip()
