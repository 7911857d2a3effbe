"""Adherence for the worklist's many patients at once: the plan's own definition (plan/rules.py
``count_adherence``, the figure the patient list and the phone show), remembered in the cache under a
key that changes whenever anything the figure is counted from changes.

Counting it afresh for 1,000 patients takes about 0.5 s (bench/worklist_bench.py): the rule runs in
Python over every item and day. The key holds the patient's window and zone, their checklist items'
rows (the very rows ``due_windows`` reads) and the patient's server change number (``Patient.sync_seq``:
every check-off write takes the next one, checklists/sync/changes.py ``patient_take_seq``), so a cached
figure is the figure counting would give. Patients whose key is not cached are counted with the rule,
their check-offs read in one query.
"""

import hashlib
from collections import defaultdict
from collections.abc import Sequence
from datetime import date

from django.conf import settings
from django.core.cache import caches
from django.db.models import QuerySet

from checklists.models import AssignmentItem, CheckOff, Patient
from checklists.plan.rules import (
    DUE_ITEM_FIELDS,
    Adherence,
    adherence_first_needed,
    adherence_window,
    count_adherence,
    due_windows,
)

# A figure for a past window never changes; a day is long enough to keep one and short enough to
# leave no clutter (keys move on with each local date).
CACHE_SECONDS = 24 * 3600
CACHE_PREFIX = "worklist:adherence:"


def adherence_cached(
    ids: QuerySet, patients: Sequence[Patient], today: dict[int, date]
) -> dict[int, Adherence]:
    """Return the adherence of each of ``patients`` with an active checklist over their last
    ADHERENCE_WINDOW_DAYS complete days (as plan.selectors.adherence_for), ``ids`` their ids as a
    subquery; one query, two when some are not cached."""
    days = settings.ADHERENCE_WINDOW_DAYS
    spans = {p.pk: adherence_window(today[p.pk], days) for p in patients}
    if not spans:
        return {}
    first = adherence_first_needed(min(start for start, _ in spans.values()))
    last = max(end for _, end in spans.values())

    items: dict[int, list[tuple]] = defaultdict(list)
    rows = AssignmentItem.objects.filter(assignment__patient_id__in=ids, assignment__active=True).order_by(
        "assignment__patient_id", "id"
    )
    for patient_id, *fields in rows.values_list("assignment__patient_id", *DUE_ITEM_FIELDS):
        items[patient_id].append(tuple(fields))
    marks = {p.pk: (p.time_zone, p.sync_seq) for p in patients}
    keys = {
        pk: CACHE_PREFIX + hashlib.sha256(repr((spans[pk], marks[pk], first, items[pk])).encode()).hexdigest()
        for pk in items
    }
    cache = caches["worklist"]
    cached = cache.get_many(list(keys.values()))
    result = {pk: Adherence(*cached[key]) for pk, key in keys.items() if key in cached}

    missing = [pk for pk in keys if pk not in result]
    if missing:
        done: dict[int, set[tuple[int, date]]] = defaultdict(set)
        checked = CheckOff.objects.filter(patient_id__in=missing, done=True, date__gte=first, date__lte=last)
        for patient_id, item_id, day in checked.order_by().values_list("patient_id", "item_id", "date"):
            done[patient_id].add((item_id, day))
        by_pk = {p.pk: p for p in patients}
        fresh = {}
        for pk in missing:
            windows = due_windows(items[pk], by_pk[pk].zone)
            result[pk] = count_adherence(windows, done[pk], *spans[pk])
            fresh[keys[pk]] = (result[pk].done, result[pk].due)
        cache.set_many(fresh, timeout=CACHE_SECONDS)
    return result
