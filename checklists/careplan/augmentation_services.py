"""Writes of the augmentation screening: store a finding when the outcome changes, record a review.

The screening runs after each diary write (``augmentation_screen_after_commit``, from the diary service
and the sync), when the clinician saves the patient's page (medications, baseline), and nightly for every
patient on a dopaminergic drug (the Celery beat entry "augmentation-screen", as the recent week moves on
without new entries). The admin only reads what is stored, so its pages stay fast.
"""

import logging
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from checklists.careplan.augmentation import AugmentationStatus, AugmentationWatch
from checklists.careplan.selectors import augmentation_for
from checklists.diary.rules import night_of
from checklists.models import AugmentationFinding, Medication, Patient

logger = logging.getLogger(__name__)


def _outcome(status: str, criterion_a: bool, criterion_b: bool, evidence: dict[str, Any], rule: str) -> tuple:
    """What makes a finding new: the status, criteria, signs, baseline and rule version (not the values)."""
    return (status, criterion_a, criterion_b, evidence.get("signs"), evidence.get("baseline"), rule)


def _finding_outcome(finding: AugmentationFinding) -> tuple:
    return _outcome(
        finding.status, finding.criterion_a, finding.criterion_b, finding.evidence, finding.rule_version
    )


def _watch_outcome(watch: AugmentationWatch, evidence: dict[str, Any]) -> tuple:
    return _outcome(str(watch.status), watch.criterion_a, watch.criterion_b, evidence, watch.rule_version)


@transaction.atomic
def augmentation_screen(*, patient: Patient, now: datetime | None = None) -> AugmentationFinding | None:
    """Screen ``patient``'s diary as of ``now`` (default: now) and store the outcome.

    Returns the patient's latest finding: a new one when the outcome differs from the latest stored (the
    older stays as history), else the latest with ``checked_at`` moved on (and its evidence refreshed
    while not reviewed, so a reviewed finding keeps what the clinician saw). None for a patient never
    screened who is not on a dopaminergic drug: nothing is stored for them.
    """
    now = now or timezone.now()
    # One screening of a patient at a time (a diary write and the nightly run), so an outcome is stored
    # once: the patient's row is the lock, as for the sync's change numbers.
    list(Patient.objects.select_for_update().filter(pk=patient.pk).values_list("pk", flat=True))
    today = night_of(now.astimezone(patient.zone))
    watch = augmentation_for(patient=patient, today=today)
    latest = AugmentationFinding.objects.filter(patient=patient).order_by("-computed_at", "-id").first()
    if watch.status == AugmentationStatus.NOT_APPLICABLE and (
        latest is None or latest.status == AugmentationStatus.NOT_APPLICABLE
    ):
        return latest
    evidence = watch.evidence_data()
    if latest is not None and _finding_outcome(latest) == _watch_outcome(watch, evidence):
        latest.checked_at = now
        fields = ["checked_at"]
        if latest.reviewed_at is None:
            latest.evidence = evidence
            fields.append("evidence")
        latest.save(update_fields=fields)
        return latest
    return AugmentationFinding.objects.create(
        patient=patient,
        computed_at=now,
        checked_at=now,
        status=watch.status,
        criterion_a=watch.criterion_a,
        criterion_b=watch.criterion_b,
        evidence=evidence,
        rule_version=watch.rule_version,
    )


def augmentation_screen_after_commit(*, patient: Patient) -> None:
    """Screen ``patient`` once the current transaction commits (after a diary or medication write).

    A screening that fails is logged and leaves the write as it was (the nightly run screens again).
    """
    transaction.on_commit(lambda: augmentation_screen(patient=patient), robust=True)


def augmentation_patients_to_screen() -> QuerySet[Patient]:
    """Return the patients the nightly screening visits: anyone with a dopaminergic medication on file
    (current or not) or a stored finding, so a stopped drug closes the finding's series too."""
    dopaminergic = Medication.objects.filter(is_dopaminergic=True).values("patient_id")
    findings = AugmentationFinding.objects.values("patient_id")
    return Patient.objects.filter(Q(pk__in=dopaminergic) | Q(pk__in=findings)).order_by("pk")


def augmentation_screen_all(*, now: datetime | None = None) -> int:
    """Screen every patient of ``augmentation_patients_to_screen``; returns how many were screened.

    A patient whose screening fails is logged and the others are still screened.
    """
    count = 0
    for patient in augmentation_patients_to_screen().iterator():
        try:
            augmentation_screen(patient=patient, now=now)
        except Exception:
            logger.exception("Augmentation screening failed for patient %s", patient.pk)
            continue
        count += 1
    return count


def augmentation_findings_review(
    *, findings: Iterable[AugmentationFinding], by: User, note: str = "", now: datetime | None = None
) -> int:
    """Mark ``findings`` reviewed by ``by`` (with ``note``), leaving ones already reviewed as they were;
    returns how many were marked."""
    ids = [f.pk for f in findings]
    return AugmentationFinding.objects.filter(pk__in=ids, reviewed_at__isnull=True).update(
        reviewed_by=by, reviewed_at=now or timezone.now(), review_note=note
    )
