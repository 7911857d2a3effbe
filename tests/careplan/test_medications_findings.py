"""Medicine-check findings on file: stored with their rule version, overridden with a reason, re-evaluated."""

import dataclasses
import io

import pytest
from django.core.management import call_command
from django.db import IntegrityError, transaction

from checklists.careplan import medication_services, medications, services
from checklists.careplan.augmentation import AugmentationStatus
from checklists.careplan.selectors import care_plan_for
from checklists.models import Medication, MedicationFinding
from checklists.models.careplan import MedicationRecognition as R

pytestmark = pytest.mark.django_db


def findings(medication: Medication) -> list[MedicationFinding]:
    return list(MedicationFinding.objects.filter(medication=medication).order_by("created_at", "id"))


def test_adding_a_medication_stores_its_finding_with_source_and_rule_version(patient, clinician):
    med = services.medication_add(patient=patient, name="Tylenol PM", entered_by=clinician)
    med.refresh_from_db()
    assert (med.recognition, med.may_worsen_rls, med.is_dopaminergic) == (R.MAY_WORSEN_RLS, True, False)
    assert med.rule_version == medications.RULESET.tag
    [finding] = findings(med)
    assert (finding.state, finding.ingredients, finding.superseded_at) == (
        R.MAY_WORSEN_RLS,
        "acetaminophen / diphenhydramine",
        None,
    )
    assert "DailyMed" in finding.source and finding.rule_version == medications.RULESET.tag
    assert "sedating antihistamine" in finding.classes


def test_saving_again_unchanged_writes_no_new_finding(patient):
    med = services.medication_add(patient=patient, name="Zoloft 50mg")
    services.medication_save(medication=med)
    assert len(findings(med)) == 1


def test_a_strength_without_a_space_turns_the_augmentation_watch_on(patient):
    services.medication_add(patient=patient, name="Mirapex0.25")
    plan = care_plan_for(patient=patient, today=patient.local_today())
    assert [(m.generic_name, m.is_dopaminergic) for m in plan.medications] == [("pramipexole", True)]
    assert plan.augmentation.status != AugmentationStatus.NOT_APPLICABLE


def test_a_negated_entry_is_kept_as_not_current_and_raises_no_flag(patient):
    med = services.medication_add(patient=patient, name="Not on Mirapex")
    assert (med.recognition, med.is_dopaminergic, med.may_worsen_rls) == (R.NOT_CURRENT, False, False)


def test_an_unrecognised_entry_is_stored_as_to_be_checked(patient):
    med = services.medication_add(patient=patient, name="blue pill for sleep")
    assert med.recognition == R.NOT_RECOGNISED
    assert findings(med)[0].state == R.NOT_RECOGNISED


def test_a_clinician_overrides_a_flag_with_a_reason_and_the_old_finding_is_kept(patient, clinician):
    med = services.medication_add(patient=patient, name="Motilium 10mg")
    assert med.recognition == R.MAY_WORSEN_RLS
    finding = medication_services.medication_override(
        medication=med, state=R.NOT_FLAGGED, reason="Peripheral only; reviewed with neurology.", by=clinician
    )
    med.refresh_from_db()
    assert (med.recognition, med.may_worsen_rls, med.is_dopaminergic) == (R.NOT_FLAGGED, False, False)
    assert (finding.override_state, finding.overridden_by, finding.state) == (
        R.NOT_FLAGGED,
        clinician,
        R.MAY_WORSEN_RLS,
    )
    assert finding.override_reason == "Peripheral only; reviewed with neurology."
    assert finding.overridden_at is not None
    old, new = findings(med)
    assert old.superseded_at is not None and not old.override_state
    assert new.pk == finding.pk and new.superseded_at is None


def test_an_override_of_an_unrecognised_entry_can_raise_a_flag(patient, clinician):
    med = services.medication_add(patient=patient, name="Leganto 2mg")  # an EU rotigotine brand
    medication_services.medication_override(
        medication=med, state=R.DOPAMINERGIC, reason="Leganto is rotigotine (EMA EPAR).", by=clinician
    )
    med.refresh_from_db()
    assert (med.recognition, med.is_dopaminergic) == (R.DOPAMINERGIC, True)


def test_an_override_needs_a_reason(patient, clinician):
    med = services.medication_add(patient=patient, name="Zoloft")
    with pytest.raises(ValueError, match="reason"):
        medication_services.medication_override(
            medication=med, state=R.NOT_FLAGGED, reason="  ", by=clinician
        )
    finding = findings(med)[0]
    finding.override_state = R.NOT_FLAGGED
    with pytest.raises(IntegrityError), transaction.atomic():
        finding.save()


def test_a_second_override_keeps_the_first_in_history(patient, clinician, other_clinician):
    med = services.medication_add(patient=patient, name="Zoloft")
    medication_services.medication_override(
        medication=med, state=R.NOT_CURRENT, reason="Stopped", by=clinician
    )
    medication_services.medication_override(medication=med, state="", reason="", by=other_clinician)
    med.refresh_from_db()
    assert (med.recognition, med.may_worsen_rls) == (R.MAY_WORSEN_RLS, True)
    history = findings(med)
    assert [f.override_state for f in history] == ["", R.NOT_CURRENT, ""]
    assert history[1].override_reason == "Stopped" and history[1].overridden_by == clinician


def test_the_override_stays_while_the_finding_is_the_same_and_goes_when_the_name_changes(patient, clinician):
    med = services.medication_add(patient=patient, name="Zoloft")
    medication_services.medication_override(
        medication=med, state=R.NOT_CURRENT, reason="Stopped", by=clinician
    )
    med.dose_text = "50 mg"
    services.medication_save(medication=med)
    med.refresh_from_db()
    assert med.recognition == R.NOT_CURRENT
    med.name = "Requip 2mg"
    services.medication_save(medication=med)
    med.refresh_from_db()
    assert (med.recognition, med.is_dopaminergic) == (R.DOPAMINERGIC, True)
    current = medication_services.current_finding(med)
    assert current is not None and not current.override_state
    assert len(findings(med)) == 3


@pytest.fixture
def next_revision(monkeypatch):
    """The lists change: the medicine check's rules are now revision 2."""
    monkeypatch.setattr(medications, "RULESET", dataclasses.replace(medications.RULESET, revision=2))
    return medications.RULESET.tag


def test_changing_the_rules_re_evaluates_medicines_and_keeps_the_old_finding(
    patient, clinician, next_revision
):
    med = Medication.objects.create(patient=patient, name="Zoloft", rule_version="medications c2.r1")
    MedicationFinding.objects.create(
        medication=med, name="Zoloft", state=R.NOT_FLAGGED, rule_version="medications c2.r1"
    )
    assert medication_services.medications_reevaluate() == 1
    med.refresh_from_db()
    assert (med.recognition, med.may_worsen_rls, med.rule_version) == (R.MAY_WORSEN_RLS, True, next_revision)
    old, new = findings(med)
    assert (old.state, old.rule_version, old.superseded_at is not None) == (
        R.NOT_FLAGGED,
        "medications c2.r1",
        True,
    )
    assert (new.state, new.rule_version, new.superseded_at) == (R.MAY_WORSEN_RLS, next_revision, None)
    assert medication_services.medications_reevaluate() == 0  # idempotent
    assert len(findings(med)) == 2


def test_re_evaluation_keeps_an_override_when_the_finding_is_unchanged(patient, clinician, monkeypatch):
    med = services.medication_add(patient=patient, name="Zoloft")
    medication_services.medication_override(
        medication=med, state=R.NOT_CURRENT, reason="Stopped", by=clinician
    )
    monkeypatch.setattr(medications, "RULESET", dataclasses.replace(medications.RULESET, revision=2))
    medication_services.medications_reevaluate()
    med.refresh_from_db()
    current = medication_services.current_finding(med)
    assert current is not None and current.rule_version == medications.RULESET.tag
    assert (current.override_state, current.override_reason, med.recognition) == (
        R.NOT_CURRENT,
        "Stopped",
        R.NOT_CURRENT,
    )


def test_the_command_and_migrate_re_evaluate_medicines_on_file(patient, next_revision):
    old = Medication.objects.create(patient=patient, name="Sinemet 25/100")  # as before the check existed
    assert old.recognition == R.NOT_RECOGNISED and old.rule_version == ""
    call_command("migrate", verbosity=0)
    old.refresh_from_db()
    assert (old.recognition, old.is_dopaminergic, old.rule_version) == (R.DOPAMINERGIC, True, next_revision)
    other = Medication.objects.create(patient=patient, name="Zoloft")
    out = io.StringIO()
    call_command("medications_reevaluate", stdout=out)
    other.refresh_from_db()
    assert other.recognition == R.MAY_WORSEN_RLS
    assert out.getvalue().startswith("1 medication(s) re-checked")
