"""The visit report: what the clinician's and the patient's versions show, who may open them, the log,
and the PDF (PDF/A-3 with the FHIR Bundle inside)."""

import io
import json
from datetime import time, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader

from checklists.careplan import services as careplan
from checklists.models import AccessLog, DiaryEntry, SeverityScore
from checklists.models.careplan import FollowUpKind
from checklists.plan.services import assignment_create
from checklists.report.selectors import REPORT_KIND, REPORT_MAX_WEEKS
from tests.factories import template_with_items

pytestmark = pytest.mark.django_db

CLINICIAN_ONLY = [
    "LAB-NOTE-FOR-CLINICIANS",
    "MED-NOTE-FOR-CLINICIANS",
    "FOLLOWUP-NOTE-FOR-CLINICIANS",
    "Iron therapy may be considered",  # the guideline note on a ferritin of 60 ng/mL
    "AASM 2024",
    "75 ng/mL",
    "may worsen RLS",
    "dopaminergic",
    "Augmentation watch",
]


@pytest.fixture
def history(patient, clinician):
    """Six weeks of a patient's record, with clinician notes on the lab, a medicine and a follow-up."""
    today = patient.local_today()
    patient.visit_questions = "Can I travel by plane with my legs like this?"
    patient.save()
    careplan.labresult_add(
        patient=patient,
        drawn_on=today - timedelta(days=30),
        ferritin=Decimal("60"),
        tsat=Decimal("18"),
        laboratory="City Lab",
        notes="LAB-NOTE-FOR-CLINICIANS",
    )
    medicine = careplan.medication_add(patient=patient, name="pramipexole", dose_text="0.125 mg")
    medicine.notes = "MED-NOTE-FOR-CLINICIANS"
    medicine.save()
    careplan.medication_add(patient=patient, name="sertraline")
    SeverityScore.objects.create(patient=patient, scored_on=today - timedelta(days=20), irls_total=24)
    for days_ago in range(1, 43):
        DiaryEntry.objects.create(
            patient=patient,
            date=today - timedelta(days=days_ago),
            severity=days_ago % 10,
            onset_time=time(21, 30),
            sleep_quality=6,
        )
    overdue = careplan.followup_create(
        patient=patient, kind=FollowUpKind.FERRITIN_TSAT_LAB, due_date=today - timedelta(days=3)
    )
    overdue.notes = "FOLLOWUP-NOTE-FOR-CLINICIANS"
    overdue.save()
    review = careplan.followup_create(
        patient=patient, kind=FollowUpKind.MEDICATION_REVIEW, due_date=today - timedelta(days=10)
    )
    careplan.followup_complete(followup=review, on=today - timedelta(days=9))
    assignment_create(
        patient=patient, template=template_with_items(2, name="Evening routine"), assigned_by=None
    )
    return patient


def _admin_url(patient, **query) -> str:
    url = reverse("admin:checklists_patient_report", args=[patient.pk])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def _signed_in(person) -> Client:
    client = Client()
    client.force_login(getattr(person, "user", person))
    return client


def test_the_clinicians_version_shows_every_part(history, clinician):
    response = _signed_in(clinician).get(_admin_url(history))
    assert response.status_code == 200
    page = response.content.decode()
    for text in [
        "Can I travel by plane with my legs like this?",
        "Ferritin (ng/mL) over the period",
        "75 ng/mL",
        "100 ng/mL",
        "20%",
        "City Lab",
        "Iron therapy may be considered",
        "LAB-NOTE-FOR-CLINICIANS",
        "IRLS total over the period",
        "24 (severe)",
        "Symptom onset time each night",
        "42 of 84 nights recorded",
        "Evening routine",
        "pramipexole",
        "dopaminergic",
        "may worsen RLS",
        "MED-NOTE-FOR-CLINICIANS",
        "Augmentation watch",
        "Overdue",
        "FOLLOWUP-NOTE-FOR-CLINICIANS",
        "Medication review",
    ]:
        assert text in page, text
    assert "<script" not in page and "style=" not in page


def test_the_patients_version_leaves_out_what_the_care_plan_keeps_for_clinicians(history):
    response = _signed_in(history).get(reverse("api:me-report"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert "Can I travel by plane with my legs like this?" in page
    assert "City Lab" in page and "pramipexole" in page and "24 (severe)" in page
    assert "Keep taking your medicines as prescribed." in page  # the care plan's own note for sertraline
    for text in CLINICIAN_ONLY:
        assert text not in page, text


def test_a_period_is_chosen_and_bounded(history, clinician):
    today = history.local_today()
    client = _signed_in(clinician)
    page = client.get(
        _admin_url(history, **{"from": today - timedelta(days=6), "to": today})
    ).content.decode()
    assert "(7 days)" in page and "City Lab (" not in page.split("Latest result")[0]
    too_long = client.get(_admin_url(history, **{"from": today - timedelta(weeks=REPORT_MAX_WEEKS + 1)}))
    assert too_long.status_code == 400
    patient_client = _signed_in(history)
    assert "to" in patient_client.get(reverse("api:me-report"), {"to": "2020-13-01"}).json()
    future = patient_client.get(reverse("api:me-report"), {"to": today + timedelta(days=1)})
    assert future.status_code == 400 and "period" in future.json()


def test_another_clinicians_patient_is_a_404(history, other_clinician):
    assert _signed_in(other_clinician).get(_admin_url(history)).status_code == 404
    assert _signed_in(other_clinician).get(_admin_url(history, format="pdf")).status_code == 404


def test_a_patient_only_ever_gets_their_own_report(history, other_patient):
    page = _signed_in(other_patient).get(reverse("api:me-report")).content.decode()
    assert "Can I travel" not in page and "pramipexole" not in page
    assert _signed_in(other_patient).get(_admin_url(history)).status_code == 302  # to the admin sign-in
    assert Client().get(reverse("api:me-report")).status_code == 403


def test_opening_and_downloading_are_in_the_access_log(history, clinician):
    client = _signed_in(clinician)
    client.get(_admin_url(history))
    client.get(_admin_url(history, format="pdf"))
    entries = AccessLog.objects.filter(patient=history, object_kind=REPORT_KIND).order_by("id")
    assert [(e.actor, e.action) for e in entries] == [(clinician, "view"), (clinician, "export")]


def _pdf(response) -> PdfReader:
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    return PdfReader(io.BytesIO(response.content))


def test_the_pdf_is_pdf_a_3_with_the_fhir_bundle_inside(history, clinician):
    reader = _pdf(_signed_in(clinician).get(_admin_url(history, format="pdf")))
    root: Any = reader.root_object  # the document catalog (pypdf types its entries loosely)
    xmp = root["/Metadata"].get_object().get_data().decode()
    assert "pdfaid:part" in xmp and ("pdfaid:part>3<" in xmp or 'pdfaid:part="3"' in xmp)
    assert len(reader.pages) <= 2
    assert "Can I travel by plane" in "".join(page.extract_text() for page in reader.pages)
    (bundle_bytes,) = reader.attachments["fhir-bundle.json"]
    bundle = json.loads(bundle_bytes)
    assert bundle["resourceType"] == "Bundle"
    kinds = {entry["resource"]["resourceType"] for entry in bundle["entry"]}
    assert {"Patient", "Observation", "MedicationStatement"} <= kinds
    file_spec = root["/AF"][0].get_object()
    assert file_spec["/AFRelationship"] == "/Data"


def test_the_patients_pdf_carries_the_patients_bundle(history):
    reader = _pdf(_signed_in(history).get(reverse("api:me-report"), {"format": "pdf"}))
    text = "".join(page.extract_text() for page in reader.pages)
    assert "pramipexole" in text
    for marker in CLINICIAN_ONLY:
        assert marker not in text, marker
    (bundle_bytes,) = reader.attachments["fhir-bundle.json"]
    bundle_text = bundle_bytes.decode()
    assert "LAB-NOTE-FOR-CLINICIANS" not in bundle_text and "DetectedIssue" not in bundle_text
    assert AccessLog.objects.filter(patient=history, object_kind=REPORT_KIND, action="export").count() == 1


def test_visit_questions_round_trip_through_me(patient):
    client = _signed_in(patient)
    client.get(reverse("api:me"))  # sets the CSRF cookie; the test client does not enforce it anyway
    answer = client.patch(
        reverse("api:me"), {"visit_questions": "  Is my iron still low?  "}, content_type="application/json"
    )
    assert answer.status_code == 200 and answer.json()["visit_questions"] == "Is my iron still low?"
    assert client.get(reverse("api:me")).json()["visit_questions"] == "Is my iron still low?"
    patient.refresh_from_db()
    assert patient.visit_questions == "Is my iron still low?"
    too_long = client.patch(
        reverse("api:me"), {"visit_questions": "x" * 1001}, content_type="application/json"
    )
    assert too_long.status_code == 400 and "visit_questions" in too_long.json()
