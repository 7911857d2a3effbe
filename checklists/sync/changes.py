"""Change numbers and the changes a phone pulls: every write of a check-off, diary entry or intake
record takes a per-patient sequence number, and a phone asks for what changed after its cursor.
"""

from datetime import date, datetime, time
from typing import Any
from uuid import UUID

from django.db import transaction
from django.db.models import F

from checklists.models import CheckOff, DiaryEntry, IntakeRecord, Patient


def patient_take_seq(*, patient_id: int, count: int = 1) -> int:
    """Reserve ``count`` consecutive server change numbers for a patient; returns the first.

    Call inside ``transaction.atomic``: the UPDATE locks the patient's row until commit, so one
    patient's writes commit in sequence order and a client cursor never skips a change.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("patient_take_seq must run inside transaction.atomic")
    Patient.objects.filter(pk=patient_id).update(sync_seq=F("sync_seq") + count)
    last = Patient.objects.values_list("sync_seq", flat=True).get(pk=patient_id)
    return last - count + 1


def _json_instant(at: datetime | None) -> str | None:
    # As DRF's JSON encoder writes it ("Z" for UTC), done here once per change rather than through
    # the encoder's fallback for every value of a 1000-change response.
    if at is None:
        return None
    text = at.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def checkoff_change(
    item_id: int, day: date, done: bool, at: datetime | None, op_id: UUID | None, seq: int
) -> dict[str, Any]:
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


def intake_change(
    medication_id: int,
    day: date,
    slot: time | None,
    status: str,
    reason: str,
    at: datetime | None,
    op_id: UUID | None,
    seq: int,
) -> dict[str, Any]:
    """Return one intake record in the shape of a sync change, with JSON-ready values."""
    return {
        "kind": "intake",
        "medication": medication_id,
        "date": day.isoformat(),
        "slot": None if slot is None else slot.strftime("%H:%M"),
        "status": status,
        "reason": reason,
        "at": _json_instant(at),
        "op_id": None if op_id is None else str(op_id),
        "seq": seq,
    }


def sync_changes_for(*, patient: Patient, since: int | None, until: int) -> list[dict[str, Any]]:
    """Return the current state of every check-off, diary entry and intake record of ``patient`` whose
    change number is in (since, until], ordered by change number; all of them when ``since`` is None.
    Three queries.
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
    for med_id, day, slot, status, reason, at, op_id, seq in (
        IntakeRecord.objects.filter(patient=patient, seq__gt=lower, seq__lte=until)
        .order_by()
        .values_list("medication_id", "date", "slot", "status", "reason", "client_at", "op_id", "seq")
    ):
        changes.append((seq, intake_change(med_id, day, slot, status, reason, at, op_id, seq)))
    changes.sort(key=lambda pair: pair[0])
    return [change for _, change in changes]
