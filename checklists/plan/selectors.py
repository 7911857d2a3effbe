"""Reads of the checklists: the day's checklists, per-day totals and adherence, in few queries each."""

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.db import connection

from checklists.db.raw import column_converter, server_binding_cursor
from checklists.models import AssignmentItem, CheckOff, DiaryEntry, Patient
from checklists.models.checklists import Category
from checklists.plan.rules import (
    DUE_ITEM_FIELDS,
    LONG_ADHERENCE_WINDOW_DAYS,
    PATTERN_WINDOW_DAYS,
    Adherence,
    DueWindow,
    adherence_first_needed,
    adherence_label,
    adherence_window,
    count_adherence,
    count_day,
    day_complete,
    due_windows,
    is_weekly,
    pattern,
    share,
    week_done,
    week_of,
    week_target,
    window_is_due,
)


def _windows_by_patient(patients: Sequence[Patient]) -> dict[int, list[DueWindow]]:
    """Return the due windows of every item on the patients' active checklists; one query."""
    rows: dict[int, list[tuple]] = defaultdict(list)
    items = AssignmentItem.objects.filter(
        assignment__patient__in=patients, assignment__active=True
    ).order_by()
    for patient_id, *fields in items.values_list("assignment__patient_id", *DUE_ITEM_FIELDS):
        rows[patient_id].append(fields)
    zones = {patient.pk: patient.zone for patient in patients}
    return {
        patient_id: due_windows(patient_rows, zones[patient_id]) for patient_id, patient_rows in rows.items()
    }


def _done_by_patient(
    patients: Sequence[Patient], first: date, last: date
) -> dict[int, set[tuple[int, date]]]:
    """Return the (item id, date) pairs checked done from ``first`` to ``last``, per patient; one query."""
    done: dict[int, set[tuple[int, date]]] = defaultdict(set)
    rows = CheckOff.objects.filter(
        patient__in=patients, done=True, date__gte=first, date__lte=last
    ).order_by()
    for patient_id, item_id, day in rows.values_list("patient_id", "item_id", "date"):
        done[patient_id].add((item_id, day))
    return done


def adherence_for(*, patients: Sequence[Patient], days: int | None = None) -> dict[int, Adherence]:
    """Return each patient's adherence over their last ``days`` complete local days (today excluded;
    default settings.ADHERENCE_WINDOW_DAYS). Two queries whatever the number of patients or items."""
    days = days or settings.ADHERENCE_WINDOW_DAYS
    if not patients:
        return {}
    spans = {patient.pk: adherence_window(patient.local_today(), days) for patient in patients}
    windows = _windows_by_patient(patients)
    done = _done_by_patient(
        patients,
        adherence_first_needed(min(first for first, _ in spans.values())),
        max(last for _, last in spans.values()),
    )
    return {
        patient.pk: count_adherence(windows.get(patient.pk, []), done[patient.pk], *spans[patient.pk])
        for patient in patients
    }


# The Today screen's one query. Plain SQL: it runs on every app start and screen refresh, and building
# the equivalent ORM query costs more than running it. It reads every item of the patient's active
# checklists (a few dozen rows); whether each is due that day is decided by plan.rules, not here.
# Raw SQL: 0.34 ms vs 1.15 ms for the ORM query (3.4x wall, 8.8x CPU), PostgreSQL; SQLite 0.09 vs
# 0.80 ms (8.6x); bench/sql_bench.py [--sqlite] (2026-12-01).
TODAY_SQL = """
    SELECT i.id, i.text, i.help_text, i.source,
           EXISTS (SELECT 1 FROM checklists_checkoff c WHERE c.item_id = i.id AND c.date = %s AND c.done),
           a.name, a.category,
           i.retired_at, i.due_from, a.start_date, a.end_date, a.weekdays, a.id, i.weekly_target
    FROM checklists_assignmentitem i
    JOIN checklists_assignment a ON a.id = i.assignment_id
    WHERE a.patient_id = %s AND a.active
    ORDER BY a.start_date, a.id, i.position, i.id
"""


def today_for(*, patient: Patient, day: date) -> dict[str, Any]:
    """Return the checklists due for ``patient`` on ``day`` with their items and done state.

    Shape: ``{"date", "due", "done", "checklists": [{"id", "name", "category", "due", "done",
    "items": [{"id", "text", "help_text", "source", "done", "weekly_target"}]}]}``, holding the items
    due that day by ``plan.rules.window_is_due``. A weekly-target item is listed on every day it is
    open but left out of ``due``/``done`` (``plan.rules.counts_on_day``). One query.
    """
    with server_binding_cursor() as cursor:
        cursor.execute(TODAY_SQL, [connection.ops.adapt_datefield_value(day), patient.pk])
        rows = cursor.fetchall()
    as_datetime = column_converter(AssignmentItem._meta.get_field("retired_at"))
    windows = due_windows(((row[0], as_datetime(row[7]), *row[8:]) for row in rows), patient.zone)
    checklists: dict[int, dict[str, Any]] = {}
    for (item_id, text, help_text, source, done, name, category, *_), window in zip(
        rows, windows, strict=True
    ):
        if not window_is_due(window, day):
            continue
        checklist = checklists.get(window.checklist_id)
        if checklist is None:
            checklist = checklists[window.checklist_id] = {
                "id": window.checklist_id,
                "name": name,
                "category": category,
                "due": 0,
                "done": 0,
                "items": [],
            }
        checklist["items"].append(
            {
                "id": item_id,
                "text": text,
                "help_text": help_text,
                "source": source,
                "done": bool(done),
                "weekly_target": window.weekly_target,
            }
        )
        if not is_weekly(window):
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
    """Return per-day totals from ``first`` to ``last`` (inclusive) and the patient's adherence.

    Shape: ``{"from", "to", "due", "done", "days": [{"date", "due", "done", "complete", "severity",
    "sleep_quality", "checklists": [{"id", "due", "done"}]}], "checklists": [{"id", "name",
    "category"}], "weekly": [{"id", "checklist", "text", "target", "weeks": [{"from", "to", "target",
    "done"}]}], "adherence": [{"days", "label", "from", "to", "due", "done", "share", "checklists":
    [{"id", "due", "done", "share"}]}]}``.
    A day's ``due`` counts the every-day items due that day (``plan.rules``), ``done`` those checked
    off; ``complete`` is ``plan.rules.day_complete`` (what a streak counts). ``weekly`` holds each
    weekly-target item's Monday-Sunday weeks that touch the range. ``adherence`` holds the figures of
    the last ADHERENCE_WINDOW_DAYS and 30 complete days whatever the range, as the clinicians' list
    shows them. Three queries whatever the range.
    """
    today = patient.local_today()
    spans = [
        (days, *adherence_window(today, days))
        for days in (settings.ADHERENCE_WINDOW_DAYS, LONG_ADHERENCE_WINDOW_DAYS)
    ]
    rows = list(
        AssignmentItem.objects.filter(assignment__patient=patient, assignment__active=True)
        .order_by("assignment__start_date", "assignment_id")
        .values_list(*DUE_ITEM_FIELDS, "text", "assignment__name", "assignment__category")
    )
    windows = due_windows((row[:-3] for row in rows), patient.zone)
    texts = {row[0]: row[-3] for row in rows}
    names = {row[6]: {"id": row[6], "name": row[-2], "category": row[-1]} for row in rows}  # assignment_id
    first_week, last_week = week_of(first)[0], week_of(last)[1]
    done = _done_by_patient(
        [patient],
        adherence_first_needed(min(first, *(start for _, start, _ in spans))),
        max(last_week, *(end for _, _, end in spans)),
    )[patient.pk]
    diary = {
        day: (severity, sleep)
        for day, severity, sleep in DiaryEntry.objects.filter(
            patient=patient, date__gte=first, date__lte=last
        )
        .order_by()
        .values_list("date", "severity", "sleep_quality")
    }
    days: list[dict[str, Any]] = []
    seen: set[int] = set()
    day = first
    while day <= last:
        counts = count_day(windows, done, day)
        seen.update(counts.checklists)
        severity, sleep = diary.get(day, (None, None))
        days.append(
            {
                "date": day,
                "due": counts.due,
                "done": counts.done,
                "complete": day_complete(windows, done, day),
                "severity": severity,
                "sleep_quality": sleep,
                "checklists": [
                    {"id": checklist, "due": due, "done": done_count}
                    for checklist, (done_count, due) in sorted(counts.checklists.items())
                ],
            }
        )
        day += timedelta(days=1)
    adherence = []
    for length, start, end in spans:
        counts = count_adherence(windows, done, start, end)
        seen.update(counts.checklists)
        adherence.append(
            {
                "days": length,
                "label": adherence_label(length),
                "from": start,
                "to": end,
                "due": counts.due,
                "done": counts.done,
                "share": counts.share,
                "checklists": [
                    {"id": checklist, "due": due, "done": done_count, "share": share(done_count, due)}
                    for checklist, (done_count, due) in sorted(counts.checklists.items())
                ],
            }
        )
    weekly = []
    for window in windows:
        if not is_weekly(window):
            continue
        weeks = []
        monday = first_week
        while monday <= last_week:
            owed = week_target(window, monday)
            if owed:
                weeks.append(
                    {
                        "from": monday,
                        "to": monday + timedelta(days=6),
                        "target": owed,
                        "done": week_done(window, monday, done),
                    }
                )
            monday += timedelta(days=7)
        if weeks:
            seen.add(window.checklist_id)
            weekly.append(
                {
                    "id": window.item_id,
                    "checklist": window.checklist_id,
                    "text": texts[window.item_id],
                    "target": window.weekly_target,
                    "weeks": weeks,
                }
            )
    return {
        "from": first,
        "to": last,
        "due": sum(d["due"] for d in days),
        "done": sum(d["done"] for d in days),
        "days": days,
        "checklists": [checklist for checklist_id, checklist in names.items() if checklist_id in seen],
        "weekly": weekly,
        "adherence": adherence,
    }


def patterns_for(*, patient: Patient) -> list[dict[str, Any]]:
    """Return the patient's personal patterns over the last PATTERN_WINDOW_DAYS complete days: for each
    trigger-avoidance item with at least PATTERN_MIN_NIGHTS diary nights after days it was ticked and
    as many after days it was open but not ticked, ``{"id", "text", "checklist", "kept": {"nights",
    "average"}, "not_kept": {...}}`` (``plan.rules.pattern``). Items below the minimum are left out.
    Three queries."""
    first, last = adherence_window(patient.local_today(), PATTERN_WINDOW_DAYS)
    rows = list(
        AssignmentItem.objects.filter(
            assignment__patient=patient,
            assignment__active=True,
            assignment__category=Category.TRIGGER_AVOIDANCE,
        )
        .order_by("assignment__start_date", "assignment_id", "position", "id")
        .values_list(*DUE_ITEM_FIELDS, "text")
    )
    severity = dict(
        DiaryEntry.objects.filter(patient=patient, date__gte=first, date__lte=last)
        .order_by()
        .values_list("date", "severity")
    )
    done = _done_by_patient([patient], first, last)[patient.pk]
    patterns = []
    for window, row in zip(due_windows((row[:-1] for row in rows), patient.zone), rows, strict=True):
        kept: list[int] = []
        not_kept: list[int] = []
        for day, value in severity.items():
            if window_is_due(window, day):
                (kept if (window.item_id, day) in done else not_kept).append(value)
        found = pattern(kept, not_kept)
        if found:
            patterns.append(
                {"id": window.item_id, "text": row[-1], "checklist": window.checklist_id, **found}
            )
    return patterns
