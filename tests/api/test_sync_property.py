"""Property: any set of ops, in any order, delivered any number of times, split into any batches,
ends in the same state as applying each op once in ``at`` order (ties by op id). Check-offs, diary
entries and intake records (scheduled doses last writer wins, each extra dose its own record) mixed."""

from datetime import date, timedelta

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from checklists.models import CheckOff, DiaryEntry, IntakeRecord
from checklists.sync.apply import sync_apply
from checklists.sync.parse import parse_batch
from tests.api.conftest import checkoff_op, diary_op, make_plan
from tests.intake.conftest import add_medicine, intake_op

DAYS = 3
NOT_MINE = 987_654  # an item id no patient has: its ops are always rejected
# Intake: medicine 0 is taken morning and evening (08:00, 19:00 by default), medicine 1 as needed;
# NOT_MINE is no patient's medicine, and 12:00 is no dose time: those ops are always rejected.
SLOTS = ["08:00", "19:00", "12:00"]
DOSE_TIMES = {"08:00", "19:00"}
STATUSES = [("taken", ""), ("skipped", ""), ("skipped", "felt sick")]


@st.composite
def scenarios(draw):
    """Return (ops, deliveries): distinct ops, then the ops' indexes as batches (repeats allowed)."""
    op_ids = draw(st.lists(st.uuids(version=4), min_size=1, max_size=14, unique=True))
    ops = []
    for op_id in op_ids:
        # Few distinct minutes, so equal `at` (the op-id tie-break) comes up often.
        at = draw(st.integers(0, 3))
        day = draw(st.integers(0, DAYS - 1))
        choice = draw(st.integers(0, 6))
        if choice == 0:
            ops.append(("diary", day, draw(st.integers(0, 10)), at, str(op_id)))
        elif choice == 1:
            med = draw(st.sampled_from([0, NOT_MINE]))
            slot = draw(st.sampled_from(SLOTS))
            ops.append(("intake", (med, day, slot), draw(st.sampled_from(STATUSES)), at, str(op_id)))
        elif choice == 2:
            ops.append(("extra", (draw(st.sampled_from([1, NOT_MINE])), day), None, at, str(op_id)))
        else:
            item = draw(st.sampled_from([0, 1, NOT_MINE]))
            ops.append(("checkoff", (item, day), draw(st.booleans()), at, str(op_id)))
    order = draw(st.permutations(range(len(ops))))
    repeats = draw(st.lists(st.integers(0, len(ops) - 1), max_size=10))
    stream = list(order) + repeats
    stream = draw(st.permutations(stream))
    cuts = sorted(draw(st.sets(st.integers(1, max(1, len(stream) - 1)), max_size=4)))
    batches = [stream[a:b] for a, b in zip([0, *cuts], [*cuts, len(stream)], strict=True) if stream[a:b]]
    return ops, batches


def expected_state(ops, *, items, meds, days) -> dict:
    """Apply each op once, in (at, op_id) order, skipping the ones that must be rejected."""
    state: dict[tuple, object] = {}
    for kind, key, value, _at, _op_id in sorted(ops, key=lambda op: (op[3], op[4])):
        if kind == "checkoff":
            item, day = key
            if item == NOT_MINE:
                continue
            state[("checkoff", items[item], days[day])] = value
        elif kind == "intake":
            med, day, slot = key
            if med == NOT_MINE or slot not in DOSE_TIMES:
                continue
            state[("intake", meds[med], days[day], slot)] = value
        elif kind == "extra":
            med, day = key
            if med != NOT_MINE:
                state[("extra", _op_id)] = (meds[med], days[day])
        else:
            state[("diary", days[key])] = value
    return state


def to_wire(op, *, items, meds, days) -> dict:
    kind, key, value, at, op_id = op
    if kind == "intake":
        med, day, slot = key
        status, reason = value
        extra = {"reason": reason} if reason else {}
        return intake_op(meds.get(med, med), days[day], slot, status=status, at=at, op_id=op_id, **extra)
    if kind == "extra":
        med, day = key
        return intake_op(meds.get(med, med), days[day], None, status="extra", at=at, op_id=op_id)
    if kind == "diary":
        return diary_op(days[key], severity=value, at=at, op_id=op_id)
    item, day = key
    return checkoff_op(items.get(item, item), days[day], done=value, at=at, op_id=op_id)


@pytest.mark.django_db
@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(scenario=scenarios())
def test_any_delivery_of_a_set_of_ops_ends_in_the_same_state(patient, scenario):
    ops, batches = scenario
    plan = getattr(patient, "_property_plan", None)
    if plan is None:
        plan = patient._property_plan = make_plan(patient, items=2, days_back=DAYS)
    items = dict(enumerate(plan.items.order_by("position").values_list("pk", flat=True)))
    meds = getattr(patient, "_property_meds", None)
    if meds is None:
        meds = patient._property_meds = {
            0: add_medicine(patient, "Gabapentin", dose_times="morning, evening").pk,
            1: add_medicine(patient, "Codeine", as_needed=True).pk,
        }
    today = patient.local_today()
    days = {i: today - timedelta(days=i) for i in range(DAYS)}
    with transaction.atomic():
        seen: set[str] = set()
        for batch in batches:
            wire = [to_wire(ops[i], items=items, meds=meds, days=days) for i in batch]
            result = sync_apply(patient=patient, batch=parse_batch({"ops": wire, "since": None}))
            reported = result.applied + result.duplicates + [r["op_id"] for r in result.rejected]
            assert sorted(reported) == sorted(op["op_id"] for op in wire)
            assert set(result.applied).isdisjoint(seen)
            seen.update(result.applied)
        state: dict[tuple, object] = {
            ("checkoff", c.item_id, c.date): c.done for c in CheckOff.objects.filter(patient=patient)
        }
        state.update((("diary", d.date), d.severity) for d in DiaryEntry.objects.filter(patient=patient))
        for r in IntakeRecord.objects.filter(patient=patient):
            if r.slot is None:
                state[("extra", str(r.op_id))] = (r.medication_id, r.date)
            else:
                state[("intake", r.medication_id, r.date, r.slot.strftime("%H:%M"))] = (r.status, r.reason)
        # The full pull describes the same state.
        changes = result.changes
        transaction.set_rollback(True)
    assert state == expected_state(ops, items=items, meds=meds, days=days)
    # Changes come JSON-ready, dates as ISO text.
    assert dict(map(pulled, changes)) == state


def pulled(change: dict) -> tuple[tuple, object]:
    """Return the (key, value) of a change as the state above holds it."""
    day = date.fromisoformat(change["date"])
    if change["kind"] == "checkoff":
        return ("checkoff", change["item"], day), change["done"]
    if change["kind"] == "diary":
        return ("diary", day), change["entry"]["severity"]
    if change["slot"] is None:
        return ("extra", change["op_id"]), (change["medication"], day)
    return ("intake", change["medication"], day, change["slot"]), (change["status"], change["reason"])
