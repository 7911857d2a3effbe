"""Two phones of one patient: each pulls the other's changes with its own cursor."""

from datetime import timedelta

from tests.api.conftest import checkoff_op, diary_op, post_sync, signed_in


def test_device_b_pulls_exactly_device_as_changes_with_its_cursor(patient, plan):
    phone_a, phone_b = signed_in(patient.user), signed_in(patient.user)
    today = patient.local_today()
    first, second = plan.items.order_by("position")[:2]

    # B syncs first and holds a cursor; A then records changes offline and sends them.
    cursor_b = post_sync(phone_b, [checkoff_op(first, today - timedelta(days=2), at=0)]).json()["cursor"]
    a_ops = [
        checkoff_op(first, today, done=True, at=10),
        checkoff_op(second, today, done=True, at=11),
        diary_op(today, severity=6, at=12),
    ]
    a_body = post_sync(phone_a, a_ops).json()
    assert a_body["applied"] == [op["op_id"] for op in a_ops]

    pulled = post_sync(phone_b, [], since=cursor_b).json()
    assert [(c["kind"], c.get("item"), c["date"], c["op_id"]) for c in pulled["changes"]] == [
        ("checkoff", first.pk, today.isoformat(), a_ops[0]["op_id"]),
        ("checkoff", second.pk, today.isoformat(), a_ops[1]["op_id"]),
        ("diary", None, today.isoformat(), a_ops[2]["op_id"]),
    ]
    assert pulled["cursor"] == a_body["cursor"]

    # B unchecks one item with a later clock; A pulls from its cursor and sees only that.
    undo = checkoff_op(second, today, done=False, at=20)
    b_body = post_sync(phone_b, [undo], since=pulled["cursor"]).json()
    assert [c["op_id"] for c in b_body["changes"]] == [undo["op_id"]]
    a_pull = post_sync(phone_a, [], since=a_body["cursor"]).json()
    assert [(c["item"], c["done"]) for c in a_pull["changes"]] == [(second.pk, False)]

    # A's late, older op on the same item does not undo B's newer change.
    late = checkoff_op(second, today, done=True, at=15)
    post_sync(phone_a, [late], since=a_pull["cursor"])
    final = post_sync(phone_b, [], since=None).json()
    state = {(c["item"], c["date"]): c["done"] for c in final["changes"] if c["kind"] == "checkoff"}
    assert state[(second.pk, today.isoformat())] is False
    assert state[(first.pk, today.isoformat())] is True


def test_one_patients_changes_never_reach_another_patients_pull(patient, plan, other_patient, other_plan):
    mine, theirs = signed_in(patient.user), signed_in(other_patient.user)
    post_sync(mine, [checkoff_op(plan.items.first(), patient.local_today())])
    body = post_sync(theirs, [], since=None).json()
    assert body["changes"] == [] and body["cursor"] == 0
