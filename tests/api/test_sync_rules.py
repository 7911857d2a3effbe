"""POST /api/v1/sync/: the contract's rules, one by one."""

import uuid
from datetime import UTC, datetime, timedelta, timezone

import pytest
from django.utils import timezone as dj_timezone

from checklists.diary.services import diary_entry_put
from checklists.models import AssignmentItem, CheckOff, DiaryEntry, Patient, SyncOp
from checklists.plan.services import assignment_item_add, assignment_item_retire
from checklists.sync import apply
from checklists.sync.apply import sync_apply
from checklists.sync.parse import parse_batch
from tests.api.conftest import SYNC_URL, checkoff_op, diary_op, make_plan, post_sync


def done_state(patient) -> dict:
    return {(c.item_id, c.date): c.done for c in CheckOff.objects.filter(patient=patient)}


@pytest.fixture
def item(plan):
    return plan.items.order_by("position").first()


@pytest.fixture
def today(patient):
    return patient.local_today()


def test_it_applies_a_checkoff_and_returns_it_as_a_change(patient_client, patient, item, today):
    op = checkoff_op(item, today)
    body = post_sync(patient_client, [op]).json()
    assert body["applied"] == [op["op_id"]]
    assert body["duplicates"] == [] and body["rejected"] == []
    assert body["changes"] == [
        {
            "kind": "checkoff",
            "item": item.pk,
            "date": today.isoformat(),
            "done": True,
            "at": "2026-01-01T12:00:00Z",
            "op_id": op["op_id"],
            "seq": 1,
        }
    ]
    assert body["cursor"] == 1
    assert done_state(patient) == {(item.pk, today): True}
    assert SyncOp.objects.filter(patient=patient, op_id=op["op_id"]).exists()


def test_a_replayed_op_is_a_duplicate_and_changes_nothing(patient_client, patient, item, today):
    first = checkoff_op(item, today, done=True, at=0)
    later = checkoff_op(item, today, done=False, at=5)
    post_sync(patient_client, [first])
    post_sync(patient_client, [later])
    cursor = Patient.objects.get(pk=patient.pk).sync_seq
    body = post_sync(patient_client, [first, later], since=cursor).json()
    assert body["duplicates"] == [first["op_id"], later["op_id"]]
    assert body["applied"] == [] and body["changes"] == []
    assert body["cursor"] == cursor
    assert done_state(patient) == {(item.pk, today): False}


def test_a_repeated_op_within_one_batch_is_a_duplicate(patient_client, item, today):
    op = checkoff_op(item, today)
    body = post_sync(patient_client, [op, op]).json()
    assert body["applied"] == [op["op_id"]]
    assert body["duplicates"] == [op["op_id"]]


def test_a_duplicate_op_id_with_different_content_still_changes_nothing(patient_client, patient, item, today):
    op = checkoff_op(item, today, done=True)
    post_sync(patient_client, [op])
    body = post_sync(patient_client, [{**op, "done": False, "at": "2030-01-01T00:00:00Z"}]).json()
    assert body["duplicates"] == [op["op_id"]]
    assert done_state(patient) == {(item.pk, today): True}


@pytest.mark.parametrize("order", ["newer first", "older first"])
def test_the_latest_at_wins_whatever_the_order_of_arrival(patient_client, patient, item, today, order):
    older = checkoff_op(item, today, done=True, at=0)
    newer = checkoff_op(item, today, done=False, at=1)
    batches = [[newer], [older]] if order == "newer first" else [[older], [newer]]
    for batch in batches:
        assert post_sync(patient_client, batch).status_code == 200
    row = CheckOff.objects.get(patient=patient)
    assert row.done is False
    assert str(row.op_id) == newer["op_id"]


def test_an_older_op_is_still_reported_applied_but_leaves_the_newer_state(
    patient_client, patient, item, today
):
    newer = checkoff_op(item, today, done=False, at=10)
    post_sync(patient_client, [newer])
    older = checkoff_op(item, today, done=True, at=0)
    body = post_sync(patient_client, [older], since=1).json()
    assert body["applied"] == [older["op_id"]]
    assert body["changes"] == []  # nothing changed since cursor 1
    assert done_state(patient) == {(item.pk, today): False}


@pytest.mark.parametrize("arrival", [("low", "high"), ("high", "low")])
def test_ties_on_at_are_broken_by_the_larger_op_id(patient_client, patient, item, today, arrival):
    ops = {
        "low": checkoff_op(item, today, done=True, at=0, op_id="00000000-0000-4000-8000-000000000001"),
        "high": checkoff_op(item, today, done=False, at=0, op_id="ffffffff-0000-4000-8000-000000000001"),
    }
    for name in arrival:
        post_sync(patient_client, [ops[name]])
    assert done_state(patient) == {(item.pk, today): False}
    # Within one batch too.
    CheckOff.objects.all().delete()
    SyncOp.objects.all().delete()
    post_sync(patient_client, [ops[name] for name in arrival])
    assert done_state(patient) == {(item.pk, today): False}


def test_at_with_different_offsets_is_compared_as_instants(patient_client, patient, item, today):
    # 13:30+02:00 is 11:30Z, earlier than 12:00Z.
    earlier = checkoff_op(
        item, today, done=False, at=datetime(2026, 1, 1, 13, 30, tzinfo=timezone(timedelta(hours=2)))
    )
    later = checkoff_op(item, today, done=True, at=datetime(2026, 1, 1, 12, 0, tzinfo=UTC))
    post_sync(patient_client, [later])
    post_sync(patient_client, [earlier])
    assert done_state(patient) == {(item.pk, today): True}


def test_it_rejects_another_patients_item_and_applies_the_rest(
    patient_client, patient, item, today, other_plan
):
    foreign = checkoff_op(other_plan.items.first(), today)
    missing = checkoff_op(999_999, today)
    mine = checkoff_op(item, today)
    body = post_sync(patient_client, [foreign, mine, missing]).json()
    assert body["applied"] == [mine["op_id"]]
    assert [r["op_id"] for r in body["rejected"]] == [foreign["op_id"], missing["op_id"]]
    assert body["rejected"][0]["errors"] == {"item": ["This item is not on your checklists."]}
    assert done_state(patient) == {(item.pk, today): True}
    assert not CheckOff.objects.exclude(patient=patient).exists()


def test_it_rejects_dates_outside_the_checklists_window(patient_client, patient, today):
    plan = make_plan(patient, days_back=3)
    plan.end_date = today
    plan.save()
    item = plan.items.first()
    before = checkoff_op(item, today - timedelta(days=4))
    after = checkoff_op(item, today + timedelta(days=1))
    first_day = checkoff_op(item, today - timedelta(days=3))
    body = post_sync(patient_client, [before, after, first_day]).json()
    assert body["applied"] == [first_day["op_id"]]
    reasons = {r["op_id"]: r["errors"] for r in body["rejected"]}
    assert "outside the checklist's dates" in reasons[before["op_id"]]["date"][0]
    assert "outside the checklist's dates" in reasons[after["op_id"]]["date"][0]


def test_it_rejects_a_date_after_the_patients_local_tomorrow(patient_client, patient, item):
    # A zone far from UTC: "tomorrow" is the patient's, not the server's.
    patient.time_zone = "Pacific/Kiritimati"
    patient.save()
    tomorrow = patient.local_today() + timedelta(days=1)
    ok = checkoff_op(item, tomorrow)
    too_late = checkoff_op(item, tomorrow + timedelta(days=1))
    diary_too_late = diary_op(tomorrow + timedelta(days=1))
    body = post_sync(patient_client, [ok, too_late, diary_too_late]).json()
    assert body["applied"] == [ok["op_id"]]
    assert {r["op_id"]: r["errors"] for r in body["rejected"]} == {
        too_late["op_id"]: {"date": ["Dates after tomorrow cannot be recorded yet."]},
        diary_too_late["op_id"]: {"date": ["Dates after tomorrow cannot be recorded yet."]},
    }


def test_it_rejects_dates_from_an_items_retirement_on_but_keeps_earlier_ones(
    patient_client, patient, item, today
):
    assignment_item_retire(item=item)
    late_history = checkoff_op(item, today - timedelta(days=1))
    after = checkoff_op(item, today)
    body = post_sync(patient_client, [late_history, after]).json()
    assert body["applied"] == [late_history["op_id"]]
    assert "removed from your checklist" in body["rejected"][0]["errors"]["date"][0]


def test_a_rejected_op_is_not_remembered_as_seen(patient_client, patient, item, other_plan, today):
    foreign = checkoff_op(other_plan.items.first(), today)
    post_sync(patient_client, [foreign])
    body = post_sync(patient_client, [foreign]).json()
    assert body["duplicates"] == []
    assert [r["op_id"] for r in body["rejected"]] == [foreign["op_id"]]
    assert not SyncOp.objects.exists()


def test_diary_ops_write_the_entry_with_last_writer_wins(patient_client, patient, today):
    newer = diary_op(
        today, severity=7, at=5, onset_time="21:15", sleep_quality=3, arms_involved=True, note="bad"
    )
    older = diary_op(today, severity=2, at=0)
    body = post_sync(patient_client, [newer, older]).json()
    assert body["applied"] == [newer["op_id"], older["op_id"]]
    entry = DiaryEntry.objects.get(patient=patient, date=today)
    assert entry.onset_time is not None
    assert (
        entry.severity,
        entry.onset_time.isoformat(),
        entry.sleep_quality,
        entry.arms_involved,
        entry.note,
    ) == (
        7,
        "21:15:00",
        3,
        True,
        "bad",
    )
    assert body["changes"] == [
        {
            "kind": "diary",
            "date": today.isoformat(),
            "entry": {
                "severity": 7,
                "sleep_quality": 3,
                "onset_time": "21:15:00",
                "arms_involved": True,
                "note": "bad",
            },
            "at": "2026-01-01T12:05:00Z",
            "op_id": newer["op_id"],
            "seq": 1,
        }
    ]


def test_an_op_older_than_a_diary_saved_on_the_server_loses(patient_client, patient, today):
    diary_entry_put(patient=patient, day=today, severity=4)
    stale = diary_op(today, severity=9, at=dj_timezone.now() - timedelta(hours=1))
    fresh = diary_op(today - timedelta(days=1), severity=1, at=dj_timezone.now() - timedelta(hours=1))
    post_sync(patient_client, [stale, fresh])
    assert dict(DiaryEntry.objects.values_list("date", "severity")) == {
        today: 4,
        today - timedelta(days=1): 1,
    }


def test_changes_since_a_cursor_are_only_the_later_ones_from_any_device(patient_client, patient, item, today):
    a = checkoff_op(item, today)
    cursor = post_sync(patient_client, [a]).json()["cursor"]
    diary_entry_put(patient=patient, day=today, severity=2)  # written elsewhere
    b = checkoff_op(item, today - timedelta(days=1))
    body = post_sync(patient_client, [b], since=cursor).json()
    assert [(c["kind"], c["date"]) for c in body["changes"]] == [
        ("diary", today.isoformat()),
        ("checkoff", (today - timedelta(days=1)).isoformat()),
    ]
    assert body["cursor"] == Patient.objects.get(pk=patient.pk).sync_seq == cursor + 2
    # Pulling with the newest cursor and no ops returns nothing new.
    assert post_sync(patient_client, [], since=body["cursor"]).json() == {
        "applied": [],
        "duplicates": [],
        "rejected": [],
        "changes": [],
        "cursor": body["cursor"],
    }


def test_a_cursor_the_server_never_issued_gets_the_full_state(patient_client, item, today):
    post_sync(patient_client, [checkoff_op(item, today)])
    body = post_sync(patient_client, [], since=10_000).json()
    assert len(body["changes"]) == 1
    assert body["cursor"] == 1


MALFORMED = [
    ([1, 2], "body"),
    ({"since": None}, "ops"),
    ({"ops": "nope", "since": None}, "ops"),
    ({"ops": [], "since": -1}, "since"),
    ({"ops": [], "since": "5"}, "since"),
    ({"ops": [42], "since": None}, "ops[0]"),
    ({"ops": [{"kind": "checkoff"}], "since": None}, "ops[0].op_id"),
    ({"ops": ["OP", {"op_id": "not-a-uuid"}], "since": None}, "ops[1].op_id"),
    ({"ops": ["OP", {"date": "2026-02-30"}], "since": None}, "ops[1].date"),
    ({"ops": ["OP", {"date": "20260201"}], "since": None}, "ops[1].date"),
    ({"ops": ["OP", {"at": "2026-01-01T10:00:00"}], "since": None}, "ops[1].at"),
    ({"ops": ["OP", {"item": True}], "since": None}, "ops[1].item"),
    ({"ops": ["OP", {"item": "3"}], "since": None}, "ops[1].item"),
    ({"ops": ["OP", {"done": "yes"}], "since": None}, "ops[1].done"),
    ({"ops": ["OP", {"kind": "delete"}], "since": None}, "ops[1].kind"),
    ({"ops": ["DIARY", {"entry": {"severity": 11}}], "since": None}, "ops[1].entry.severity"),
    (
        {"ops": ["DIARY", {"entry": {"severity": 3, "onset_time": "9pm"}}], "since": None},
        "ops[1].entry.onset_time",
    ),
    ({"ops": ["DIARY", {"entry": {"severity": 3, "note": "x" * 2001}}], "since": None}, "ops[1].entry.note"),
    ({"ops": ["DIARY", {"entry": None}], "since": None}, "ops[1].entry"),
]


@pytest.mark.parametrize(("body", "where"), MALFORMED)
def test_a_malformed_batch_is_a_400_naming_the_problem_and_applies_nothing(
    patient_client, patient, item, today, body, where
):
    good = checkoff_op(item, today)
    if (
        isinstance(body, dict)
        and isinstance(body.get("ops"), list)
        and body["ops"][:1] in (["OP"], ["DIARY"])
    ):
        template = good if body["ops"][0] == "OP" else diary_op(today)
        body = {**body, "ops": [good, {**template, "op_id": str(uuid.uuid4()), **body["ops"][1]}]}
    response = patient_client.post(SYNC_URL, body, content_type="application/json")
    assert response.status_code == 400
    assert where in response.json()["errors"]
    assert where in response.json()["detail"]
    assert not CheckOff.objects.exists() and not SyncOp.objects.exists()


def test_a_body_that_is_not_json_is_a_400(patient_client):
    response = patient_client.post(SYNC_URL, "{not json", content_type="application/json")
    assert response.status_code == 400
    assert "JSON" in response.json()["detail"]


def test_more_ops_than_the_limit_is_a_400_that_states_the_limit(patient_client, item, today, settings):
    ops = [checkoff_op(item, today) for _ in range(settings.API_SYNC_MAX_OPS + 1)]
    response = post_sync(patient_client, ops)
    assert response.status_code == 400
    body = response.json()
    assert body["limit"] == 1000
    assert "at most 1000 ops" in body["detail"]
    assert not CheckOff.objects.exists()


def test_a_batch_is_applied_atomically(patient, item, today, monkeypatch):
    batch = parse_batch({"ops": [checkoff_op(item, today), diary_op(today)], "since": None})

    upsert = apply.bulk.upsert

    def fail_on_the_diary(model, *args, **kwargs):  # the batch's last write, after op ids and check-offs
        if model is DiaryEntry:
            raise RuntimeError("disk full")
        return upsert(model, *args, **kwargs)

    monkeypatch.setattr(apply.bulk, "upsert", fail_on_the_diary)
    with pytest.raises(RuntimeError):
        sync_apply(patient=patient, batch=batch)
    assert not CheckOff.objects.exists() and not DiaryEntry.objects.exists()
    assert not SyncOp.objects.exists()
    assert Patient.objects.get(pk=patient.pk).sync_seq == 0


def test_it_rejects_dates_before_an_added_item_was_due(patient_client, patient, plan, today):
    added = assignment_item_add(assignment=plan, item=AssignmentItem(text="New item", position=9))
    before = checkoff_op(added, today - timedelta(days=1))
    on_the_day = checkoff_op(added, today)
    body = post_sync(patient_client, [before, on_the_day]).json()
    assert body["applied"] == [on_the_day["op_id"]]
    assert "outside the checklist's dates" in body["rejected"][0]["errors"]["date"][0]
