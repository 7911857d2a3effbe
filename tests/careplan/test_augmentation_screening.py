"""Augmentation screening stored as findings: when it runs, what it keeps, who sees it."""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from checklists import tasks
from checklists.careplan import services
from checklists.careplan.augmentation import RULESET, AugmentationStatus
from checklists.careplan.augmentation_services import (
    augmentation_findings_review,
    augmentation_screen,
    augmentation_screen_all,
)
from checklists.careplan.selectors import augmentation_unreviewed_for, care_plan_for
from checklists.diary.services import diary_entry_put
from checklists.models import AugmentationBaseline, AugmentationFinding, DiaryEntry, Patient

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)  # 11:00 in Berlin (the patients' zone)
TODAY = NOW.date()
START = TODAY - timedelta(weeks=12)


def on_pramipexole(patient: Patient, start=START) -> None:
    services.medication_add(patient=patient, name="Pramipexole 0.25 mg", start_date=start)


def drift(patient: Patient, *, minutes_a_night=6, arms_from=None, last=TODAY - timedelta(days=1)) -> None:
    """One diary night a day since START, onset 22:00 moving ``minutes_a_night`` earlier each night."""
    day, i = START, 0
    while day <= last:
        minutes = 22 * 60 - minutes_a_night * i
        DiaryEntry.objects.create(
            patient=patient,
            date=day,
            severity=3,
            onset_time=time(minutes // 60, minutes % 60),
            arms_involved=arms_from is not None and day >= arms_from,
        )
        day, i = day + timedelta(days=1), i + 1


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def test_a_diary_write_screens_the_patient_and_stores_the_finding(
    patient, django_capture_on_commit_callbacks, frozen
):
    on_pramipexole(patient)
    drift(patient, last=TODAY - timedelta(days=2))
    with django_capture_on_commit_callbacks(execute=True):
        diary_entry_put(patient=patient, day=TODAY - timedelta(days=1), severity=3, onset_time=time(13, 40))
    finding = AugmentationFinding.objects.get(patient=patient)
    assert finding.status == AugmentationStatus.FLAGGED
    assert finding.criterion_b and not finding.criterion_a
    assert finding.rule_version == RULESET.tag
    assert finding.evidence["baseline"]["drug"] == "pramipexole"
    assert finding.evidence["baseline"]["start"] == START.isoformat()
    assert finding.evidence["recent"]["end"] == (TODAY - timedelta(days=1)).isoformat()
    assert finding.reviewed_at is None


def test_a_sync_batch_with_diary_ops_screens_the_patient(
    client, patient, django_capture_on_commit_callbacks, frozen
):
    on_pramipexole(patient)
    drift(patient, last=TODAY - timedelta(days=2))
    client.force_login(patient.user)
    client.get("/api/v1/me/")
    op = {
        "op_id": "7c4e9a52-1111-4a7e-9c1b-0c0ffee00001",
        "kind": "diary",
        "date": (patient.local_today() - timedelta(days=1)).isoformat(),
        "at": datetime.now(UTC).isoformat(),
        "entry": {
            "severity": 3,
            "onset_time": "13:40",
            "sleep_quality": None,
            "arms_involved": False,
            "note": "",
        },
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/api/v1/sync/",
            {"since": None, "ops": [op]},
            content_type="application/json",
            headers={"x-csrftoken": client.cookies["csrftoken"].value},
        )
    assert response.status_code == 200, response.content
    assert AugmentationFinding.objects.filter(patient=patient).exists()


def test_the_same_outcome_is_one_finding_and_a_new_outcome_keeps_the_old_one(patient):
    on_pramipexole(patient)
    drift(patient, minutes_a_night=0)
    first = augmentation_screen(patient=patient, now=NOW)
    assert first is not None and first.status == AugmentationStatus.NO_SIGNS
    again = augmentation_screen(patient=patient, now=NOW + timedelta(hours=1))
    assert again == first and again.checked_at == NOW + timedelta(hours=1)

    for offset in range(1, 8):  # a bad week
        DiaryEntry.objects.filter(patient=patient, date=TODAY - timedelta(days=offset)).update(severity=8)
    worse = augmentation_screen(patient=patient, now=NOW + timedelta(hours=2))
    assert worse is not None and worse.pk != first.pk
    assert worse.status == AugmentationStatus.FLAGGED and worse.criterion_a
    assert list(AugmentationFinding.objects.filter(patient=patient).values_list("status", flat=True)) == [
        "flagged",
        "no_signs",
    ]


def test_a_reviewed_finding_keeps_what_the_clinician_saw(patient, clinician):
    on_pramipexole(patient)
    drift(patient)
    finding = augmentation_screen(patient=patient, now=NOW)
    assert finding is not None and finding.flagged
    assert (
        augmentation_findings_review(findings=[finding], by=clinician, note="Discussed, dose unchanged") == 1
    )
    seen = AugmentationFinding.objects.get(pk=finding.pk).evidence
    DiaryEntry.objects.filter(patient=patient, date=TODAY - timedelta(days=1)).update(onset_time=time(14, 0))
    later = augmentation_screen(patient=patient, now=NOW + timedelta(hours=1))
    assert later is not None and later.pk == finding.pk  # the same outcome: no new alarm
    assert later.evidence == seen and later.review_note == "Discussed, dose unchanged"
    assert later.reviewed_by == clinician


def test_the_clinicians_baseline_period_is_used(patient):
    on_pramipexole(patient, start=TODAY - timedelta(days=400))  # long before the diary began
    drift(patient, minutes_a_night=0)
    assert augmentation_screen(patient=patient, now=NOW).status == AugmentationStatus.NO_BASELINE  # type: ignore[union-attr]
    AugmentationBaseline.objects.create(patient=patient, start=START, end=START + timedelta(days=13))
    finding = augmentation_screen(patient=patient, now=NOW)
    assert finding is not None and finding.status == AugmentationStatus.NO_SIGNS
    assert finding.evidence["baseline"]["source"] == "clinician"


def test_no_dopaminergic_drug_stores_nothing_and_stopping_one_closes_the_series(patient):
    drift(patient)
    assert augmentation_screen(patient=patient, now=NOW) is None
    assert not AugmentationFinding.objects.exists()
    on_pramipexole(patient)
    assert augmentation_screen(patient=patient, now=NOW).flagged  # type: ignore[union-attr]
    patient.medications.update(stop_date=TODAY - timedelta(days=3))
    closed = augmentation_screen(patient=patient, now=NOW)
    assert closed is not None and closed.status == AugmentationStatus.NOT_APPLICABLE


def test_the_nightly_task_screens_every_patient_on_a_dopaminergic_drug(patient, other_patient, settings):
    assert settings.CELERY_BEAT_SCHEDULE["augmentation-screen"]["task"] == tasks.augmentation_screen_all.name
    on_pramipexole(patient)
    drift(patient)
    drift(other_patient)  # no dopaminergic drug: not screened
    tasks.augmentation_screen_all()
    assert list(AugmentationFinding.objects.values_list("patient", flat=True)) == [patient.pk]
    assert augmentation_screen_all() == 1


def test_the_worklist_lists_only_the_clinicians_unreviewed_possible_augmentation(
    patient, other_patient, clinician, other_clinician
):
    for who in (patient, other_patient):
        on_pramipexole(who)
        drift(who)
        augmentation_screen(patient=who, now=NOW)
    mine = augmentation_unreviewed_for(clinician)
    assert [f.patient for f in mine] == [patient]
    assert [f.patient for f in augmentation_unreviewed_for(other_clinician)] == [other_patient]
    augmentation_findings_review(findings=mine, by=clinician)
    assert not augmentation_unreviewed_for(clinician).exists()
    assert augmentation_unreviewed_for(other_clinician).exists()


def test_the_care_plan_screens_against_the_baseline(patient):
    on_pramipexole(patient)
    drift(patient)
    plan = care_plan_for(patient=patient, today=TODAY)
    assert plan.augmentation.flagged and plan.augmentation.criteria_met == ["B"]


@pytest.mark.parametrize("hour", [0, 3])
def test_screening_after_midnight_takes_the_night_that_began_the_evening_before(patient, hour):
    """At 00:30 or 03:30 the latest night is the evening before's (diary.rules.night_of), so an entry a
    phone ahead has already dated for the coming evening is not one of the recent nights yet."""
    on_pramipexole(patient)
    drift(patient, minutes_a_night=0, last=TODAY)
    local = datetime(2026, 11, 26, hour, 30, tzinfo=ZoneInfo("Europe/Berlin"))
    finding = augmentation_screen(patient=patient, now=local)
    assert finding is not None
    assert finding.evidence["recent"]["end"] == TODAY.isoformat()
    DiaryEntry.objects.create(patient=patient, date=TODAY + timedelta(days=1), severity=3)
    finding = augmentation_screen(patient=patient, now=local)
    assert finding is not None and finding.evidence["recent"]["end"] == TODAY.isoformat()


@pytest.mark.allow_error_logs
def test_one_failing_patient_does_not_stop_the_nightly_screening(patient, other_patient, monkeypatch):
    from checklists.careplan import augmentation_services

    for who in (patient, other_patient):
        on_pramipexole(who)
        drift(who)
    real = augmentation_services.augmentation_for

    def broken_for_one(*, patient, today):
        if patient.pk == other_patient.pk:
            raise RuntimeError("diary unreadable")
        return real(patient=patient, today=today)

    monkeypatch.setattr(augmentation_services, "augmentation_for", broken_for_one)
    assert augmentation_screen_all(now=NOW) == 1
    assert list(AugmentationFinding.objects.values_list("patient", flat=True)) == [patient.pk]
