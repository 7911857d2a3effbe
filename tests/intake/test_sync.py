"""POST /api/v1/sync/ with intake ops: the same rules as check-offs, one by one."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from checklists.models import IntakeRecord, SyncOp
from tests.api.conftest import checkoff_op, make_plan, post_sync
from tests.intake.conftest import add_medicine, intake_op

pytestmark = pytest.mark.django_db


def doses(patient) -> dict:
    return {
        (r.medication_id, r.date, r.slot and r.slot.strftime("%H:%M")): (r.status, r.reason)
        for r in IntakeRecord.objects.filter(patient=patient, slot__isnull=False)
    }


def only_rejection(body: dict, op: dict) -> dict:
    assert body["applied"] == []
    assert [r["op_id"] for r in body["rejected"]] == [op["op_id"]]
    return body["rejected"][0]["errors"]


def test_a_taken_dose_is_applied_and_returned_as_a_change(patient_client, patient, evening_med, today):
    op = intake_op(evening_med, today, "19:00")
    body = post_sync(patient_client, [op]).json()
    assert body["applied"] == [op["op_id"]] and body["rejected"] == []
    assert body["changes"] == [
        {
            "kind": "intake",
            "medication": evening_med.pk,
            "date": today.isoformat(),
            "slot": "19:00",
            "status": "taken",
            "reason": "",
            "at": "2026-01-01T12:00:00Z",
            "op_id": op["op_id"],
            "seq": 1,
        }
    ]
    assert body["cursor"] == 1
    assert doses(patient) == {(evening_med.pk, today, "19:00"): ("taken", "")}


def test_the_latest_at_wins_per_medicine_date_and_dose_time_whatever_the_order(
    patient_client, patient, evening_med, today
):
    taken = intake_op(evening_med, today, "19:00", at=1)
    skipped = intake_op(evening_med, today, "19:00", status="skipped", reason="Felt sick", at=5)
    body = post_sync(patient_client, [skipped]).json()
    assert body["applied"] == [skipped["op_id"]]
    body = post_sync(patient_client, [taken]).json()
    assert body["applied"] == [taken["op_id"]]  # accepted and remembered, but older
    assert doses(patient) == {(evening_med.pk, today, "19:00"): ("skipped", "Felt sick")}
    yesterday = intake_op(evening_med, today - timedelta(days=1), "19:00", at=0)
    post_sync(patient_client, [yesterday])
    assert len(doses(patient)) == 2


def test_a_replayed_intake_op_is_a_duplicate(patient_client, patient, evening_med, today):
    op = intake_op(evening_med, today, "19:00")
    post_sync(patient_client, [op])
    body = post_sync(patient_client, [op, {**op, "status": "skipped"}]).json()
    assert body["duplicates"] == [op["op_id"], op["op_id"]] and body["applied"] == []
    assert doses(patient) == {(evening_med.pk, today, "19:00"): ("taken", "")}


def test_each_extra_dose_is_its_own_record_once(patient_client, patient, today):
    prn = add_medicine(patient, "Codeine", as_needed=True)
    first = intake_op(prn, today, None, status="extra", at=1)
    second = intake_op(prn, today, None, status="extra", at=1)
    body = post_sync(patient_client, [first, second, first]).json()
    assert body["applied"] == [first["op_id"], second["op_id"]]
    assert body["duplicates"] == [first["op_id"]]
    extras = IntakeRecord.objects.filter(patient=patient, status="extra")
    assert sorted(str(r.op_id) for r in extras) == sorted([first["op_id"], second["op_id"]])
    assert {c["slot"] for c in body["changes"]} == {None}


def test_it_rejects_another_patients_medicine_as_unknown_and_applies_the_rest(
    patient_client, patient, other_patient, evening_med, today
):
    theirs = add_medicine(other_patient, "Pregabalin", dose_times="evening")
    foreign = intake_op(theirs, today, "19:00")
    missing = intake_op(10_000_000, today, "19:00")
    mine = intake_op(evening_med, today, "19:00")
    body = post_sync(patient_client, [foreign, missing, mine]).json()
    assert body["applied"] == [mine["op_id"]]
    errors = {r["op_id"]: r["errors"] for r in body["rejected"]}
    # The same words whether the medicine exists or not: nothing about another patient leaks.
    assert errors[foreign["op_id"]] == errors[missing["op_id"]]
    assert errors[foreign["op_id"]] == {"medication": ["Unknown medication: it is not on your list."]}
    assert not IntakeRecord.objects.filter(patient=other_patient).exists()
    assert not SyncOp.objects.filter(op_id=foreign["op_id"]).exists()  # rejected ops are not remembered


def test_it_rejects_a_time_that_is_not_a_dose_time_that_date(patient_client, patient, today):
    iron = add_medicine(
        patient, "Ferrous sulfate", dose_times="morning", every_other_day=True, start_date=today
    )
    wrong_time = intake_op(iron, today, "09:00")
    off_day = intake_op(iron, today + timedelta(days=1), "08:00")
    errors = {
        r["op_id"]: r["errors"] for r in post_sync(patient_client, [wrong_time, off_day]).json()["rejected"]
    }
    assert errors[wrong_time["op_id"]] == {
        "slot": [f"09:00 is not a dose time of this medicine on {today.isoformat()} (08:00)."]
    }
    assert errors[off_day["op_id"]] == {
        "slot": [
            f"08:00 is not a dose time of this medicine on {(today + timedelta(days=1)).isoformat()} "
            "(no dose time that day)."
        ]
    }


def test_an_as_needed_medicine_takes_extras_only(patient_client, patient, today):
    prn = add_medicine(patient, "Codeine", as_needed=True)
    op = intake_op(prn, today, "19:00")
    assert "slot" in only_rejection(post_sync(patient_client, [op]).json(), op)


def test_it_rejects_a_date_after_the_patients_local_tomorrow(patient_client, evening_med, today):
    op = intake_op(evening_med, today + timedelta(days=2), "19:00")
    assert only_rejection(post_sync(patient_client, [op]).json(), op) == {
        "date": ["Dates after tomorrow cannot be recorded yet."]
    }
    tomorrow = intake_op(evening_med, today + timedelta(days=1), "19:00")
    assert post_sync(patient_client, [tomorrow]).json()["applied"] == [tomorrow["op_id"]]


def test_it_rejects_a_dose_further_back_than_the_limit(patient_client, evening_med, today, settings):
    settings.INTAKE_MAX_PAST_DAYS = 10
    op = intake_op(evening_med, today - timedelta(days=11), "19:00")
    errors = only_rejection(post_sync(patient_client, [op]).json(), op)
    assert errors == {
        "date": [
            f"Doses can be recorded up to 10 days back, from {(today - timedelta(days=10)).isoformat()}."
        ]
    }
    edge = intake_op(evening_med, today - timedelta(days=10), "19:00")
    assert post_sync(patient_client, [edge]).json()["applied"] == [edge["op_id"]]


def test_it_rejects_dates_outside_the_medicines_dates(patient_client, patient, today):
    course = add_medicine(
        patient,
        "Gabapentin",
        dose_times="evening",
        start_date=today - timedelta(days=5),
        stop_date=today - timedelta(days=2),
    )
    before = intake_op(course, today - timedelta(days=6), "19:00")
    after = intake_op(course, today - timedelta(days=1), None, status="extra")
    body = post_sync(patient_client, [before, after]).json()
    span = f"from {(today - timedelta(days=5)).isoformat()} to {(today - timedelta(days=2)).isoformat()}"
    assert {r["op_id"]: r["errors"] for r in body["rejected"]} == {
        before["op_id"]: {"date": [f"This date is outside the medicine's dates ({span})."]},
        after["op_id"]: {"date": [f"This date is outside the medicine's dates ({span})."]},
    }


def test_it_rejects_a_phone_clock_far_ahead(patient_client, evening_med, today, settings):
    op = intake_op(
        evening_med,
        today,
        "19:00",
        at=timezone.now() + timedelta(seconds=settings.SYNC_MAX_CLOCK_AHEAD_SECONDS + 60),
    )
    errors = only_rejection(post_sync(patient_client, [op]).json(), op)
    assert list(errors) == ["at"] and "check the date and time on your phone" in errors["at"][0]


@pytest.mark.parametrize(
    ("change", "where"),
    [
        ({"slot": None}, "slot"),  # taken needs a dose time
        ({"status": "extra"}, "slot"),  # an extra has none
        ({"slot": "7pm"}, "slot"),
        ({"status": "forgotten"}, "status"),
        ({"reason": "why not"}, "reason"),  # only a skipped dose carries a reason
        ({"status": "skipped", "reason": "x" * 201}, "reason"),
        ({"medication": "7"}, "medication"),
        ({"medication": True}, "medication"),
    ],
)
def test_a_malformed_intake_op_is_a_400_naming_the_field(
    patient_client, patient, evening_med, today, change, where
):
    op = {**intake_op(evening_med, today, "19:00"), **change}
    response = post_sync(patient_client, [op])
    assert response.status_code == 400
    assert list(response.json()["errors"]) == [f"ops[0].{where}"]
    assert not IntakeRecord.objects.exists()


def test_a_skipped_dose_keeps_its_reason_up_to_the_limit(patient_client, patient, evening_med, today):
    op = intake_op(evening_med, today, "19:00", status="skipped", reason="y" * 200)
    assert post_sync(patient_client, [op]).json()["changes"][0]["reason"] == "y" * 200


def test_intake_and_checkoffs_share_one_cursor(patient_client, patient, evening_med, today):
    item = make_plan(patient, items=1).items.get()
    first = post_sync(patient_client, [checkoff_op(item, today)]).json()
    dose = intake_op(evening_med, today, "19:00")
    body = post_sync(patient_client, [dose], since=first["cursor"]).json()
    assert [(c["kind"], c["seq"]) for c in body["changes"]] == [("intake", 2)]
    full = post_sync(patient_client, [], since=None).json()
    assert [c["kind"] for c in full["changes"]] == ["checkoff", "intake"]


def test_another_devices_later_dose_is_pulled_from_the_cursor(patient_client, patient, evening_med, today):
    a = post_sync(patient_client, [intake_op(evening_med, today, "19:00", at=1)]).json()
    post_sync(patient_client, [intake_op(evening_med, today, "19:00", status="skipped", at=2)])
    pulled = post_sync(patient_client, [], since=a["cursor"]).json()["changes"]
    assert [(c["status"], c["seq"]) for c in pulled] == [("skipped", 2)]


def test_an_intake_batch_costs_the_same_queries_whatever_its_size(patient, today):
    from checklists.sync.apply import sync_apply
    from checklists.sync.parse import parse_batch

    meds = [add_medicine(patient, f"Medicine {i}", dose_times="morning, evening") for i in range(5)]

    def queries(count: int) -> int:
        ops = [
            intake_op(meds[i % 5], today - timedelta(days=i // 10), "08:00" if i % 2 else "19:00", at=i)
            for i in range(count)
        ]
        ops.append(intake_op(meds[0], today, None, status="extra"))
        with CaptureQueriesContext(connection) as captured:
            sync_apply(patient=patient, batch=parse_batch({"ops": ops, "since": None}))
        return len(captured)

    assert queries(2) == queries(40)
