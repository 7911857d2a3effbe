"""Reads of the checklist domain: keyword-only functions that return plain data, in few queries."""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import Q

from checklists import schedule
from checklists.careplan.selectors import care_flags_for_patients, care_plan_for  # noqa: F401  (care plan)
from checklists.models import AssignmentItem, CheckOff, DiaryEntry, Patient
from checklists.rawsql import server_binding_cursor


@dataclass(frozen=True)
class Adherence:
    """How many due items were checked (done) out of how many were due."""

    done: int
    due: int

    @property
    def share(self) -> float | None:
        """Return done / due, or None when nothing was due."""
        return self.done / self.due if self.due else None


# An item's due window: (item id, first day, last day or None, weekday mask, local day it was retired or
# None). Both adherence_for and days_for decide "due on a day" from it, by the rules today_for uses.
DueWindow = tuple[int, date, date | None, int, date | None]
DUE_ITEM_FIELDS = (
    "id",
    "retired_at",
    "due_from",
    "assignment__start_date",
    "assignment__end_date",
    "assignment__weekdays",
)


def due_windows(rows: Sequence[tuple], zone: tzinfo) -> list[DueWindow]:
    """Return the due windows of item rows holding DUE_ITEM_FIELDS, with retirement as a local date."""
    return [
        (
            item_id,
            max(start, due_from) if due_from else start,
            end,
            weekdays,
            retired.astimezone(zone).date() if retired else None,
        )
        for item_id, retired, due_from, start, end, weekdays in rows
    ]


def window_is_due(window: DueWindow, day: date) -> bool:
    """Return True when the item is due on ``day``: in its window, not yet retired, on a scheduled weekday."""
    _, start, end, weekdays, retired_on = window
    return (
        start <= day
        and (end is None or day <= end)
        and (retired_on is None or day < retired_on)
        and schedule.mask_includes(weekdays, day)
    )


def adherence_for(*, patients: Sequence[Patient], days: int | None = None) -> dict[int, Adherence]:
    """Return each patient's adherence over their last ``days`` complete local days (today excluded).

    Runs two queries whatever the number of patients, items or check-offs.
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

    rows_by_patient: dict[int, list[tuple]] = defaultdict(list)
    items = AssignmentItem.objects.filter(
        assignment__patient__in=patients, assignment__active=True
    ).order_by()
    for patient_id, *fields in items.values_list("assignment__patient_id", *DUE_ITEM_FIELDS):
        rows_by_patient[patient_id].append(fields)
    due_pairs: dict[int, set[tuple[int, date]]] = defaultdict(set)
    for patient_id, rows in rows_by_patient.items():
        first, last, zone = windows[patient_id]
        for window in due_windows(rows, zone):
            day = first
            while day <= last:
                if window_is_due(window, day):
                    due_pairs[patient_id].add((window[0], day))
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


# --- patient API: today, history, sync changes (api issue) --------------------------------------------


def _start_of_local_day(patient: Patient, day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=patient.zone)


TODAY_SQL = """
    SELECT i.id, i.text, i.help_text, i.source,
           EXISTS (SELECT 1 FROM checklists_checkoff c WHERE c.item_id = i.id AND c.date = %s AND c.done),
           a.id, a.name, a.category, a.weekdays
    FROM checklists_assignmentitem i
    JOIN checklists_assignment a ON a.id = i.assignment_id
    WHERE a.patient_id = %s AND a.active AND a.start_date <= %s
      AND (a.end_date IS NULL OR a.end_date >= %s)
      AND (i.retired_at IS NULL OR i.retired_at >= %s)
      AND (i.due_from IS NULL OR i.due_from <= %s)
    ORDER BY a.start_date, a.id, i.position, i.id
"""


def today_for(*, patient: Patient, day: date) -> dict[str, Any]:
    """Return the checklists due for ``patient`` on ``day`` with their items and done state.

    Shape: ``{"date", "due", "done", "checklists": [{"id", "name", "category", "due", "done",
    "items": [{"id", "text", "help_text", "source", "done"}]}]}``. Inactive assignments, days outside
    an assignment's window or weekdays, and items retired on or before ``day`` are left out. One query.
    """
    # Plain SQL: this runs on every app start and screen refresh, and building the equivalent ORM
    # query costs more than running it. Portable across SQLite and PostgreSQL; prepared there.
    ops = connection.ops
    with server_binding_cursor() as cursor:
        cursor.execute(
            TODAY_SQL,
            [
                ops.adapt_datefield_value(day),
                patient.pk,
                ops.adapt_datefield_value(day),
                ops.adapt_datefield_value(day),
                ops.adapt_datetimefield_value(_start_of_local_day(patient, day + timedelta(days=1))),
                ops.adapt_datefield_value(day),
            ],
        )
        rows = cursor.fetchall()
    checklists: dict[int, dict[str, Any]] = {}
    for item_id, text, help_text, source, done, assignment_id, name, category, weekdays in rows:
        if not schedule.mask_includes(weekdays, day):
            continue
        checklist = checklists.get(assignment_id)
        if checklist is None:
            checklist = checklists[assignment_id] = {
                "id": assignment_id,
                "name": name,
                "category": category,
                "due": 0,
                "done": 0,
                "items": [],
            }
        checklist["items"].append(
            {"id": item_id, "text": text, "help_text": help_text, "source": source, "done": bool(done)}
        )
        checklist["due"] += 1
        checklist["done"] += bool(done)
    values = list(checklists.values())
    return {
        "date": day,
        "due": sum(c["due"] for c in values),
        "done": sum(c["done"] for c in values),
        "checklists": values,
    }


def days_for(*, patient: Patient, first: date, last: date) -> dict[str, Any]:
    """Return per-day totals from ``first`` to ``last`` (inclusive) for adherence charts.

    Shape: ``{"from", "to", "due", "done", "days": [{"date", "due", "done", "severity"}]}``: ``due`` is
    the number of items due that day (by the same rules as ``today_for``), ``done`` how many of those
    were checked off, ``severity`` the diary's severity or None. Three queries whatever the range.
    """
    items = list(
        AssignmentItem.objects.filter(
            assignment__patient=patient, assignment__active=True, assignment__start_date__lte=last
        )
        .filter(Q(assignment__end_date__isnull=True) | Q(assignment__end_date__gte=first))
        .order_by()
        .values_list(*DUE_ITEM_FIELDS)
    )
    done_on: dict[date, set[int]] = defaultdict(set)
    for item_id, day in (
        CheckOff.objects.filter(patient=patient, date__gte=first, date__lte=last, done=True)
        .order_by()
        .values_list("item_id", "date")
    ):
        done_on[day].add(item_id)
    severity = dict(
        DiaryEntry.objects.filter(patient=patient, date__gte=first, date__lte=last)
        .order_by()
        .values_list("date", "severity")
    )
    windows = due_windows(items, patient.zone)
    days = []
    total_due = total_done = 0
    day = first
    while day <= last:
        due = done = 0
        done_ids = done_on.get(day, ())
        for window in windows:
            if window_is_due(window, day):
                due += 1
                done += window[0] in done_ids
        days.append({"date": day, "due": due, "done": done, "severity": severity.get(day)})
        total_due += due
        total_done += done
        day += timedelta(days=1)
    return {"from": first, "to": last, "due": total_due, "done": total_done, "days": days}


def _json_instant(at: datetime | None) -> str | None:
    # As DRF's JSON encoder writes it ("Z" for UTC), done here once per change rather than through
    # the encoder's fallback for every value of a 1000-change response.
    if at is None:
        return None
    text = at.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def checkoff_change(item_id: int, day: date, done: bool, at, op_id, seq: int) -> dict[str, Any]:
    """Return one check-off in the shape of a sync change, with JSON-ready values."""
    return {
        "kind": "checkoff",
        "item": item_id,
        "date": day.isoformat(),
        "done": done,
        "at": _json_instant(at),
        "op_id": None if op_id is None else str(op_id),
        "seq": seq,
    }


def sync_changes_for(*, patient: Patient, since: int | None, until: int) -> list[dict[str, Any]]:
    """Return the current state of every check-off and diary entry of ``patient`` whose change number
    is in (since, until], ordered by change number; all of them when ``since`` is None. Two queries.
    """
    lower = -1 if since is None else since
    if lower >= until:
        return []
    changes: list[tuple[int, dict[str, Any]]] = [
        (seq, checkoff_change(item_id, day, done, at, op_id, seq))
        for item_id, day, done, at, op_id, seq in CheckOff.objects.filter(
            patient=patient, seq__gt=lower, seq__lte=until
        )
        .order_by()
        .values_list("item_id", "date", "done", "client_at", "op_id", "seq")
    ]
    for row in (
        DiaryEntry.objects.filter(patient=patient, seq__gt=lower, seq__lte=until)
        .order_by()
        .values(
            "date",
            "severity",
            "sleep_quality",
            "onset_time",
            "arms_involved",
            "note",
            "client_at",
            "op_id",
            "seq",
        )
    ):
        changes.append(
            (
                row["seq"],
                {
                    "kind": "diary",
                    "date": row["date"].isoformat(),
                    "entry": {
                        "severity": row["severity"],
                        "sleep_quality": row["sleep_quality"],
                        "onset_time": row["onset_time"],
                        "arms_involved": row["arms_involved"],
                        "note": row["note"],
                    },
                    "at": _json_instant(row["client_at"]),
                    "op_id": None if row["op_id"] is None else str(row["op_id"]),
                    "seq": row["seq"],
                },
            )
        )
    changes.sort(key=lambda pair: pair[0])
    return [change for _, change in changes]
