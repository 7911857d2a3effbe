"""The FHIR lab import: what a file's preview shows, and what confirming records (or refuses)."""

import json
from datetime import timedelta
from decimal import Decimal

import pytest

from checklists.careplan.labs import interpret_iron
from checklists.fhir import codes
from checklists.fhir.export import patient_bundle
from checklists.fhir.labimport import LabImportRefused, lab_import_preview, lab_results_import
from checklists.models import LabResult
from tests.factories import LabResultFactory
from tests.fhir.labfiles import bundle, observation, patient_resource, text

pytestmark = pytest.mark.django_db


@pytest.fixture
def pat(patient):
    patient.user.first_name, patient.user.last_name = "Pat", "Doe"
    patient.user.save()
    return patient


def two_results() -> dict:
    return bundle(
        observation(codes.FERRITIN.code, 58, "ng/mL"),
        observation(codes.TSAT.code, 17, "%"),
        observation("718-7", 13.5, "g/dL"),  # haemoglobin: not ours
    )


def test_a_bundle_previews_ferritin_and_tsat_with_date_and_laboratory(pat):
    preview = lab_import_preview(patient=pat, text=text(two_results()))
    assert preview.problems == []
    assert [(r.label, r.value, r.unit, r.drawn_on.isoformat(), r.laboratory) for r in preview.results] == [
        ("ferritin", Decimal("58.0"), "ng/mL", "2026-11-02", "Labor Nord"),
        ("TSAT", Decimal("17.0"), "%", "2026-11-02", "Labor Nord"),
    ]
    assert len(preview.ignored) == 1 and "LOINC 718-7" in preview.ignored[0]
    assert "pat@example.com" in preview.matched_on
    assert LabResult.objects.count() == 0  # a preview writes nothing


def test_confirming_records_one_draw_as_a_hand_entry_would(pat, clinician):
    created = lab_results_import(patient=pat, text=text(two_results()), entered_by=clinician)
    assert len(created) == 1
    lab = LabResult.objects.get()
    assert (lab.ferritin, lab.ferritin_unit, lab.tsat, lab.laboratory) == (
        Decimal("58.0"),
        "ng/mL",
        Decimal("17.0"),
        "Labor Nord",
    )
    assert lab.entered_by == clinician and "Imported from a FHIR file" in lab.notes
    assert interpret_iron(ferritin=lab.ferritin, tsat=lab.tsat).flagged  # the guideline note follows


def test_a_single_observation_with_the_patients_email_as_subject_imports(pat, clinician):
    single = observation(
        codes.FERRITIN.code, 120, "ug/L", subject={"identifier": {"value": "PAT@example.com"}}, performer=[]
    )
    created = lab_results_import(patient=pat, text=text(single), entered_by=clinician)
    assert [(lab.ferritin, lab.ferritin_unit, lab.tsat) for lab in created] == [
        (Decimal("120.0"), "ug/L", None)
    ]


def test_the_rls_care_patient_id_matches(pat, clinician):
    by_id = {
        "identifier": [{"system": codes.PATIENT_ID_SYSTEM, "value": str(pat.pk)}],
        "resourceType": "Patient",
    }
    preview = lab_import_preview(patient=pat, text=text(bundle(observation(), patient=by_id)))
    assert preview.problems == [] and preview.can_import


def test_pmol_per_litre_is_converted_to_ng_per_ml(pat, clinician):
    preview = lab_import_preview(patient=pat, text=text(bundle(observation(value=134.8, unit="pmol/L"))))
    [result] = preview.results
    assert (result.value, result.unit, result.as_sent) == (Decimal("60.0"), "ng/mL", "134.8 pmol/L")
    [lab] = lab_results_import(
        patient=pat, text=text(bundle(observation(value=134.8, unit="pmol/L"))), entered_by=None
    )
    assert lab.ferritin == Decimal("60.0") and "134.8 pmol/L" in lab.notes


def test_another_unit_is_refused_by_name(pat):
    preview = lab_import_preview(patient=pat, text=text(bundle(observation(value=5.8, unit="ug/dL"))))
    assert not preview.can_import
    assert preview.problems == ["entry 3: ferritin in ug/dL cannot be imported: only ng/mL, ug/L, pmol/L"]


@pytest.mark.parametrize(
    "in_file, why",
    [
        (patient_resource(email="someone.else@example.com"), "the email does not match"),
        (patient_resource(given="Pat", family="Smith"), "another name"),
        (
            {"resourceType": "Patient", "name": [{"given": ["Jo"], "family": "Roe"}]},
            "the name does not match",
        ),
        ({"resourceType": "Patient", "name": [{"given": ["Pat"], "family": "Doe"}]}, "a name alone"),
        (
            {
                "resourceType": "Patient",
                "identifier": [{"system": codes.PATIENT_ID_SYSTEM, "value": "999999"}],
            },
            "the patient id does not match",
        ),
    ],
)
def test_a_file_for_another_person_is_refused_and_nothing_is_written(pat, clinician, in_file, why):
    data = text(bundle(observation(), patient=in_file))
    preview = lab_import_preview(patient=pat, text=data)
    assert not preview.can_import and any(why in problem for problem in preview.problems), preview.problems
    with pytest.raises(LabImportRefused):
        lab_results_import(patient=pat, text=data, entered_by=clinician)
    assert LabResult.objects.count() == 0


def test_an_observation_without_a_subject_is_refused(pat):
    single = observation()
    del single["subject"]
    preview = lab_import_preview(patient=pat, text=text(single))
    assert preview.problems == ["the Observation: the result does not say whose it is (no subject)"]


def test_a_result_already_on_file_is_marked_and_not_imported(pat, clinician):
    LabResultFactory(patient=pat, drawn_on="2026-11-02", ferritin=58, tsat=None)
    preview = lab_import_preview(patient=pat, text=text(two_results()))
    assert [(r.label, r.duplicate) for r in preview.results] == [
        ("ferritin", "already on file"),
        ("TSAT", ""),
    ]
    [lab] = lab_results_import(patient=pat, text=text(two_results()), entered_by=clinician)
    assert (lab.ferritin, lab.tsat) == (None, Decimal("17.0"))
    assert LabResult.objects.count() == 2


def test_the_same_file_twice_imports_once(pat, clinician):
    lab_results_import(patient=pat, text=text(two_results()), entered_by=clinician)
    preview = lab_import_preview(patient=pat, text=text(two_results()))
    assert all(r.duplicate for r in preview.results) and not preview.can_import
    assert lab_results_import(patient=pat, text=text(two_results()), entered_by=clinician) == []
    assert LabResult.objects.count() == 1


def test_a_future_dated_result_is_refused(pat):
    tomorrow = pat.local_today() + timedelta(days=1)
    data = text(bundle(observation(), observation(codes.TSAT.code, 17, "%", on=tomorrow)))
    preview = lab_import_preview(patient=pat, text=data)
    assert preview.problems == [f"entry 4: TSAT is dated {tomorrow.isoformat()}, in the future"]
    with pytest.raises(LabImportRefused):
        lab_results_import(patient=pat, text=data, entered_by=None)
    assert LabResult.objects.count() == 0


def test_a_draw_late_in_the_evening_utc_is_the_patients_next_day(pat):
    # 23:30 UTC is 00:30 in Berlin (the patient's zone).
    preview = lab_import_preview(patient=pat, text=text(bundle(observation(on="2026-11-02T23:30:00Z"))))
    assert preview.results[0].drawn_on.isoformat() == "2026-11-03"


@pytest.mark.parametrize(
    "content, message",
    [
        ("ferritin 58", "The file is not JSON"),
        ("[" * 5000 + "]" * 5000, "nested deeper than"),
        (json.dumps({"resourceType": "Patient"}), "The file is a Patient, not a FHIR Bundle or Observation."),
        (json.dumps([1, 2]), "not a FHIR Bundle or Observation"),
        (json.dumps(observation(value=None)), "no value"),
        (json.dumps(observation(value="lots")), "valueQuantity.value is not valid"),
        (json.dumps(observation(on="2026-11")), "no full date of sampling"),
        (json.dumps(observation(value=1e300)), "outside the possible range"),
        (json.dumps(observation(codes.TSAT.code, 101, "%")), "TSAT 101 % is outside the possible range"),
        (
            json.dumps(observation(valueQuantity={"value": 5, "comparator": "<", "code": "ng/mL"})),
            "not as a number",
        ),
        (json.dumps({"resourceType": "Bundle", "type": "collection", "entry": []}), "holds no ferritin"),
        (
            json.dumps({"resourceType": "Bundle", "type": "collection", "entry": [{"x": 1}]}),
            "entry 1: no resource",
        ),
        ("{" + '"a": "' + "x" * 1_000_001 + '"}', "larger than 1000 kB"),
    ],
)
def test_a_malformed_file_says_what_is_wrong_and_imports_nothing(pat, content, message):
    preview = lab_import_preview(patient=pat, text=content)
    assert any(message in problem for problem in preview.problems), preview.problems
    with pytest.raises(LabImportRefused):
        lab_results_import(patient=pat, text=content, entered_by=None)
    assert LabResult.objects.count() == 0


def test_one_malformed_entry_stops_the_whole_bundle(pat):
    data = text(bundle(observation(), observation(codes.TSAT.code, None, "%")))
    preview = lab_import_preview(patient=pat, text=data)
    assert preview.problems == ["entry 4: no value (a valueQuantity with a number is needed)"]
    assert not preview.can_import


def test_a_preliminary_result_is_listed_as_ignored(pat):
    preview = lab_import_preview(
        patient=pat, text=text(bundle(observation(), observation(status="preliminary")))
    )
    assert len(preview.results) == 1 and "only final results" in preview.ignored[0]


def test_our_own_export_reads_back_as_this_patients_results_already_on_file(pat):
    LabResultFactory(patient=pat, drawn_on="2026-10-01", ferritin=58, tsat=17, laboratory="Labor Nord")
    exported = json.dumps(patient_bundle(patient=pat, audience="clinician"), default=str)
    preview = lab_import_preview(patient=pat, text=exported)
    assert preview.problems == []
    assert [(r.label, str(r.value), r.laboratory, r.duplicate) for r in preview.results] == [
        ("ferritin", "58.0", "Labor Nord", "already on file"),
        ("TSAT", "17.0", "Labor Nord", "already on file"),
    ]
