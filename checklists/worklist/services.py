"""Marking a worklist reason reviewed: it stays quiet until something new happens (rules.py)."""

from datetime import datetime

from django.contrib.auth.models import User
from django.utils import timezone

from checklists.careplan.augmentation_services import augmentation_findings_review
from checklists.models import AugmentationFinding, Patient, WorklistReview
from checklists.worklist.rules import RULESET, Reason, review_key


def worklist_mark_reviewed(*, patient: Patient, reason: str, by: User, now: datetime | None = None) -> None:
    """Record that ``by`` reviewed ``reason`` for ``patient`` now, for the whole care team.

    Possible augmentation is reviewed on the findings themselves (as from the patient's page); every
    other reason in WorklistReview, one row per patient and reason, moved on by each review."""
    reason = Reason(reason)
    now = now or timezone.now()
    if reason == Reason.AUGMENTATION:
        findings = AugmentationFinding.objects.filter(patient=patient, reviewed_at__isnull=True)
        augmentation_findings_review(findings=findings, by=by, now=now)
        return
    WorklistReview.objects.update_or_create(
        patient=patient,
        reason=review_key(reason),
        defaults={"reviewed_at": now, "reviewed_by": by, "rule_version": RULESET.tag},
    )
