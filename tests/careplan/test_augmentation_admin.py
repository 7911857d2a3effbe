"""The augmentation screening in the clinicians' admin: the finding with its evidence and source, the
baseline the clinician picks, "mark reviewed"; another clinician sees none of it."""

from datetime import time, timedelta

import pytest

from checklists.careplan import services
from checklists.careplan.augmentation import RULESET
from checklists.careplan.augmentation_services import augmentation_screen
from checklists.models import AugmentationBaseline, AugmentationFinding, DiaryEntry, Patient
from tests.admin.pages import repost

PATIENTS = "/admin/checklists/patient/"


def drifting(patient: Patient) -> AugmentationFinding:
    """Pramipexole since 12 weeks ago and an onset moving 6 minutes earlier every night: screened."""
    today = patient.local_today()
    start = today - timedelta(weeks=12)
    services.medication_add(patient=patient, name="Pramipexole 0.25 mg", start_date=start)
    for i in range(12 * 7):
        minutes = 22 * 60 - 6 * i
        DiaryEntry.objects.create(
            patient=patient,
            date=start + timedelta(days=i),
            severity=3,
            onset_time=time(minutes // 60, minutes % 60),
        )
    finding = augmentation_screen(patient=patient)
    assert finding is not None and finding.flagged
    return finding


@pytest.fixture
def findings(patient, other_patient):
    return drifting(patient), drifting(other_patient)


def test_patient_page_shows_the_finding_with_evidence_source_and_rule_version(
    client, clinician, patient, findings
):
    client.force_login(clinician)
    html = client.get(f"{PATIENTS}{patient.pk}/change/").content.decode()
    for text in [
        "Augmentation screening",
        "never a diagnosis",
        "Possible augmentation: review",
        "MPI criteria appearing met: B",
        "MPI criterion B appears met: onset",
        "h earlier than baseline",
        "(first weeks on pramipexole)",
        "median onset 20:39",  # the baseline's: the first 4 weeks of the drift
        "PMID 17544323",
        RULESET.tag,
        "not reviewed",
        "Augmentation baseline",
    ]:
        assert text in html, text


def test_patient_list_shows_the_latest_finding(client, clinician, findings):
    client.force_login(clinician)
    html = client.get(PATIENTS).content.decode()
    assert "Possible augmentation: review" in html and "median onset 20:39" in html
    assert "other.pat@example.com" not in html


def test_marking_reviewed_on_the_patient_page_records_who_and_the_note(client, clinician, patient, findings):
    mine, _theirs = findings
    client.force_login(clinician)

    def review(data):
        data["augmentation_findings-0-mark_reviewed"] = "on"
        data["augmentation_findings-0-review_note"] = "Seen in clinic; plan discussed"

    response = repost(client, f"{PATIENTS}{patient.pk}/change/", review)
    assert response.status_code == 302, response.context and response.context["errors"]
    mine.refresh_from_db()
    assert mine.reviewed_by == clinician and mine.reviewed_at is not None
    assert mine.review_note == "Seen in clinic; plan discussed"
    html = client.get(f"{PATIENTS}{patient.pk}/change/").content.decode()
    assert "Seen in clinic; plan discussed" in html


def test_the_list_action_marks_only_own_patients_reviewed(
    client, clinician, patient, other_patient, findings
):
    mine, theirs = findings
    client.force_login(clinician)
    response = client.post(
        PATIENTS,
        {"action": "augmentation_mark_reviewed", "_selected_action": [patient.pk, other_patient.pk]},
    )
    assert response.status_code == 302
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.reviewed_by == clinician
    assert theirs.reviewed_at is None


def test_a_baseline_picked_on_the_patient_page_is_used(
    client, clinician, patient, findings, django_capture_on_commit_callbacks
):
    client.force_login(clinician)
    late = patient.local_today() - timedelta(days=30)

    def pick(data):
        data["augmentation_baseline-TOTAL_FORMS"] = "1"
        data["augmentation_baseline-0-start"] = (late - timedelta(days=13)).isoformat()
        data["augmentation_baseline-0-end"] = late.isoformat()
        data["augmentation_baseline-0-note"] = "after the dose settled"

    with django_capture_on_commit_callbacks(execute=True):
        response = repost(client, f"{PATIENTS}{patient.pk}/change/", pick)
    assert response.status_code == 302, response.context and response.context["errors"]
    baseline = AugmentationBaseline.objects.get(patient=patient)
    assert baseline.set_by == clinician
    latest = AugmentationFinding.objects.filter(patient=patient).first()
    assert latest is not None and latest.evidence["baseline"]["source"] == "clinician"


def test_another_clinician_gets_nothing(client, other_clinician, patient, findings):
    mine, _theirs = findings
    client.force_login(other_clinician)
    assert client.get(f"{PATIENTS}{patient.pk}/change/").status_code == 404
    html = client.get(PATIENTS).content.decode()
    assert "pat@example.com" not in html.replace("other.pat@example.com", "")
    client.post(PATIENTS, {"action": "augmentation_mark_reviewed", "_selected_action": [patient.pk]})
    mine.refresh_from_db()
    assert mine.reviewed_at is None
    # Posting the other clinician's own page with this patient's finding id is refused.
    other = findings[1].patient

    def tamper(data):
        data["augmentation_findings-0-id"] = str(mine.pk)
        data["augmentation_findings-0-mark_reviewed"] = "on"

    response = repost(client, f"{PATIENTS}{other.pk}/change/", tamper)
    assert response.status_code == 200  # the form comes back with the error, nothing saved
    mine.refresh_from_db()
    assert mine.reviewed_at is None
