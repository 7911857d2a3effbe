"""The medicine check in the clinicians' admin: state, source and rule version; overrides with a reason."""

import pytest

from checklists.careplan import medication_services, medications, services
from checklists.models import Medication, MedicationFinding
from checklists.models.careplan import MedicationRecognition as R
from tests.admin.test_careplan_admin import PATIENTS, post_patient_change

pytestmark = pytest.mark.django_db


def medication_prefix(data: dict) -> str:
    return next(k for k in data if k.endswith("TOTAL_FORMS") and "medication" in k).removesuffix(
        "-TOTAL_FORMS"
    )


def row_index(data: dict, prefix: str, medication: Medication) -> int:
    return next(
        int(k.split("-")[-2])
        for k, v in data.items()
        if k.startswith(prefix) and k.endswith("-id") and v == str(medication.pk)
    )


def test_the_patient_page_shows_state_source_and_rule_version(client, clinician, patient):
    services.medication_add(patient=patient, name="Tylenol PM")
    services.medication_add(patient=patient, name="blue pill for sleep")
    client.force_login(clinician)
    html = client.get(f"{PATIENTS}{patient.pk}/change/").content.decode()
    for text in [
        "may worsen RLS: review",
        "acetaminophen / diphenhydramine",
        "DailyMed: Tylenol PM",
        medications.RULESET.tag,
        "clinical-content.md",
        "not recognised: check it",
    ]:
        assert text in html, text


def test_a_clinician_overrides_a_flag_in_the_inline_and_it_shows_beside_the_flag(client, clinician, patient):
    med = services.medication_add(patient=patient, name="Motilium 10mg")
    client.force_login(clinician)

    def override(data):
        prefix = medication_prefix(data)
        index = row_index(data, prefix, med)
        data[f"{prefix}-{index}-override_state"] = R.NOT_FLAGGED
        data[f"{prefix}-{index}-override_reason"] = "Does not cross into the brain; reviewed."

    response = post_patient_change(client, patient, override)
    assert response.status_code == 302, response.context and response.context["inline_admin_formsets"]
    med.refresh_from_db()
    assert (med.recognition, med.may_worsen_rls) == (R.NOT_FLAGGED, False)
    current = medication_services.current_finding(med)
    assert current is not None
    assert (current.override_state, current.overridden_by, current.state) == (
        R.NOT_FLAGGED,
        clinician,
        R.MAY_WORSEN_RLS,
    )
    html = client.get(f"{PATIENTS}{patient.pk}/change/").content.decode()
    assert "override by" in html and "Does not cross into the brain; reviewed." in html
    assert "finding was:" in html and "earlier:" in html

    post_patient_change(client, patient, lambda data: None)  # saving again changes nothing
    assert MedicationFinding.objects.filter(medication=med).count() == 2


def test_an_override_without_a_reason_is_refused(client, clinician, patient):
    med = services.medication_add(patient=patient, name="Zoloft")
    client.force_login(clinician)

    def override(data):
        prefix = medication_prefix(data)
        data[f"{prefix}-{row_index(data, prefix, med)}-override_state"] = R.NOT_FLAGGED

    response = post_patient_change(client, patient, override)
    assert response.status_code == 200
    assert "Say why you override the medicine check." in response.content.decode()
    med.refresh_from_db()
    assert med.recognition == R.MAY_WORSEN_RLS
    assert MedicationFinding.objects.filter(medication=med).count() == 1


def test_adding_a_combination_product_in_the_inline_stores_its_finding(client, clinician, patient):
    services.medication_add(patient=patient, name="Zoloft")
    client.force_login(clinician)

    def add(data):
        prefix = medication_prefix(data)
        index = int(data[f"{prefix}-TOTAL_FORMS"])
        data[f"{prefix}-TOTAL_FORMS"] = str(index + 1)
        for key, value in list(data.items()):  # the other fields as on the row shown (the schedule)
            if key.startswith(f"{prefix}-0-") and not key.endswith(("-id", "-name", "-patient")):
                data[key.replace(f"{prefix}-0-", f"{prefix}-{index}-")] = value
        data[f"{prefix}-{index}-name"] = "Night Nurse"

    response = post_patient_change(client, patient, add)
    assert response.status_code == 302, [
        (f.formset.errors, f.formset.non_form_errors()) for f in response.context["inline_admin_formsets"]
    ] + [response.context["adminform"].form.errors]
    med = Medication.objects.get(patient=patient, name="Night Nurse")
    assert (med.recognition, med.entered_by) == (R.MAY_WORSEN_RLS, clinician)
    [finding] = MedicationFinding.objects.filter(medication=med)
    assert finding.ingredients == "acetaminophen / promethazine / dextromethorphan"
