"""The medicine check's writes: findings with their history, clinicians' overrides, re-evaluation.

Every medication has one current ``MedicationFinding`` (what ``match_medication`` found for its name
under the rule version in force) and keeps the ones it superseded. A clinician's override sits on the
finding with who, when and why; the medication's ``recognition`` and flags follow it. A newer finding
keeps the override only when it finds the same thing (same name, state and ingredients); otherwise
the clinician sees the new finding and reviews it again. ``medications_reevaluate`` re-checks every
medication whose rule version is not the one in force (run after ``migrate``, see checklists/apps.py,
or by ``manage.py medications_reevaluate``); a second run changes nothing.
"""

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from checklists.careplan import medications
from checklists.careplan.medications import MedicationMatch
from checklists.models import Medication, MedicationFinding
from checklists.models.careplan import MedicationRecognition


def _field_length(model: type[Medication] | type[MedicationFinding], field: str) -> int:
    length = getattr(model._meta.get_field(field), "max_length", None)
    assert isinstance(length, int)
    return length


def _flags(state: str) -> tuple[bool, bool]:
    """(is_dopaminergic, may_worsen_rls) for a state a clinician chose."""
    return state == MedicationRecognition.DOPAMINERGIC, state == MedicationRecognition.MAY_WORSEN_RLS


def current_finding(medication: Medication) -> MedicationFinding | None:
    if medication.pk is None:
        return None
    return MedicationFinding.objects.filter(medication=medication, superseded_at__isnull=True).first()


def _same_result(finding: MedicationFinding, medication: Medication, match: MedicationMatch) -> bool:
    return (finding.name, finding.state, finding.ingredients) == (
        medication.name,
        match.state,
        " / ".join(match.ingredients),
    )


def medication_apply_match(*, medication: Medication) -> MedicationMatch:
    """Set the generic name, state and flags from ``medication.name`` (unsaved; the caller saves)."""
    match = medications.match_medication(medication.name)
    medication.generic_name = match.generic_name[: _field_length(Medication, "generic_name")]
    medication.recognition = match.state
    medication.is_dopaminergic = match.is_dopaminergic
    medication.may_worsen_rls = match.may_worsen_rls
    medication.rule_version = match.rule_version
    finding = current_finding(medication)
    if finding is not None and finding.override_state and _same_result(finding, medication, match):
        medication.recognition = finding.override_state
        medication.is_dopaminergic, medication.may_worsen_rls = _flags(finding.override_state)
    return match


@transaction.atomic
def medication_finding_sync(*, medication: Medication, match: MedicationMatch) -> MedicationFinding:
    """Record ``match`` as the saved medication's current finding unless it already is.

    A different result, name or rule version supersedes the current finding (kept in history).
    """
    finding = current_finding(medication)
    if (
        finding is not None
        and finding.rule_version == match.rule_version
        and _same_result(finding, medication, match)
    ):
        return finding
    keep_override = (
        finding is not None and finding.override_state and _same_result(finding, medication, match)
    )
    now = timezone.now()
    if finding is not None:
        finding.superseded_at = now
        finding.save(update_fields=["superseded_at"])
    new = MedicationFinding(
        medication=medication,
        name=medication.name,
        state=match.state,
        ingredients=" / ".join(match.ingredients)[: _field_length(MedicationFinding, "ingredients")],
        classes="; ".join(match.classes)[: _field_length(MedicationFinding, "classes")],
        source=match.source[: _field_length(MedicationFinding, "source")],
        rule_version=match.rule_version,
        created_at=now,
    )
    if keep_override and finding is not None:
        new.override_state = finding.override_state
        new.override_reason = finding.override_reason
        new.overridden_by = finding.overridden_by
        new.overridden_at = finding.overridden_at
    new.save()
    return new


def medication_check(*, medication: Medication) -> Medication:
    """Re-check a saved medication's name and record the finding (used by re-evaluation and tests)."""
    match = medication_apply_match(medication=medication)
    medication.save(
        update_fields=["generic_name", "recognition", "is_dopaminergic", "may_worsen_rls", "rule_version"]
    )
    medication_finding_sync(medication=medication, match=match)
    return medication


@transaction.atomic
def medication_override(
    *, medication: Medication, state: str, reason: str, by: User | None
) -> MedicationFinding:
    """Record a clinician's override of the current finding, with a reason; ``state=""`` removes it.

    The finding that held the previous override (or none) is kept in history: the override is written
    on a copy of the current finding, which supersedes it.
    """
    reason = reason.strip()
    if state and state not in MedicationRecognition.values:
        raise ValueError(f"unknown state {state!r}")
    if state and not reason:
        raise ValueError("an override needs a reason")
    finding = current_finding(medication)
    if finding is None:
        finding = medication_finding_sync(
            medication=medication, match=medications.match_medication(medication.name)
        )
    if finding.override_state == state and (not state or finding.override_reason == reason):
        return finding
    now = timezone.now()
    finding.superseded_at = now
    finding.save(update_fields=["superseded_at"])
    finding.pk = None
    finding.id = None
    finding._state.adding = True
    finding.superseded_at = None
    finding.created_at = now
    finding.override_state = state
    finding.override_reason = reason if state else ""
    finding.overridden_by = by if state else None
    finding.overridden_at = now if state else None
    finding.save()
    medication.recognition = finding.effective_state
    if state:
        medication.is_dopaminergic, medication.may_worsen_rls = _flags(state)
    else:
        match = medications.match_medication(medication.name)
        medication.is_dopaminergic, medication.may_worsen_rls = match.is_dopaminergic, match.may_worsen_rls
    medication.save(update_fields=["recognition", "is_dopaminergic", "may_worsen_rls"])
    return finding


def medications_reevaluate() -> int:
    """Re-check every medication whose rule version is not the one in force; returns how many."""
    stale = Medication.objects.exclude(rule_version=medications.RULESET.tag).order_by("pk")
    count = 0
    for medication in stale.iterator():
        medication_check(medication=medication)
        count += 1
    return count
