"""Reads of the checklist domain: keyword-only functions that return plain data."""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db.models import Prefetch

from checklists.models import Assignment, AssignmentItem, CheckOff, Patient


@dataclass(frozen=True)
class Adherence:
    """How many due items were checked (done) out of how many were due."""

    done: int
    due: int

    @property
    def share(self) -> float | None:
        """Return done / due, or None when nothing was due."""
        return self.done / self.due if self.due else None


def adherence_for(*, patients: Sequence[Patient], days: int | None = None) -> dict[int, Adherence]:
    """Return each patient's adherence over their last ``days`` complete local days (today excluded).

    Runs three queries whatever the number of patients, items or check-offs.
    """
    days = days or settings.ADHERENCE_WINDOW_DAYS
    if not patients:
        return {}
    windows = {}
    for patient in patients:
        today = patient.local_today()
        windows[patient.pk] = (today - timedelta(days=days), today - timedelta(days=1), patient.zone)
    earliest = min(first for first, _, _ in windows.values())
    latest = max(last for _, last, _ in windows.values())

    assignments = Assignment.objects.filter(patient__in=patients, active=True).prefetch_related(
        Prefetch("items", queryset=AssignmentItem.objects.order_by())
    )
    due_pairs: dict[int, set[tuple[int, object]]] = defaultdict(set)
    for assignment in assignments:
        first, last, zone = windows[assignment.patient_id]
        day = first
        while day <= last:
            if assignment.is_due_on(day):
                due_pairs[assignment.patient_id].update(
                    (item.pk, day) for item in assignment.items.all() if item.is_due_on(day, zone)
                )
            day += timedelta(days=1)

    done_rows = CheckOff.objects.filter(
        patient__in=patients, done=True, date__gte=earliest, date__lte=latest
    ).values_list("patient_id", "item_id", "date")
    done_counts: dict[int, int] = defaultdict(int)
    for patient_id, item_id, day in done_rows:
        if (item_id, day) in due_pairs[patient_id]:
            done_counts[patient_id] += 1

    return {
        patient.pk: Adherence(done=done_counts[patient.pk], due=len(due_pairs[patient.pk]))
        for patient in patients
    }
