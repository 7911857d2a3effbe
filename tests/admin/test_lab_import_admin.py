"""The "Import lab results (FHIR)" page on the patient's admin page: upload, preview, confirm, scoping."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from checklists.fhir import codes
from checklists.models import AccessLog, LabResult
from tests.fhir.labfiles import bundle, observation, patient_resource, text

pytestmark = pytest.mark.django_db


@pytest.fixture
def pat(patient):
    patient.user.first_name, patient.user.last_name = "Pat", "Doe"
    patient.user.save()
    return patient


def url(patient) -> str:
    return reverse("admin:checklists_patient_lab_import", args=[patient.pk])


def upload(client, patient, data: dict | str, name: str = "labs.json"):
    content = data if isinstance(data, str) else text(data)
    return client.post(url(patient), {"file": SimpleUploadedFile(name, content.encode(), "application/json")})


def good_file() -> dict:
    return bundle(observation(codes.FERRITIN.code, 134.8, "pmol/L"), observation(codes.TSAT.code, 17, "%"))


def test_the_patient_page_links_to_the_import(client, clinician, pat):
    client.force_login(clinician)
    html = client.get(reverse("admin:checklists_patient_change", args=[pat.pk])).content.decode()
    assert "Import lab results (FHIR)" in html and url(pat) in html


def test_upload_previews_then_confirm_imports_and_logs(client, clinician, pat):
    client.force_login(clinician)
    page = client.get(url(pat))
    assert page.status_code == 200 and 'type="file"' in page.content.decode()

    preview = upload(client, pat, good_file())
    html = preview.content.decode()
    assert "60.0 ng/mL" in html and "134.8 pmol/L" in html and "17.0 %" in html and "Labor Nord" in html
    assert "Import 2 results" in html
    assert LabResult.objects.count() == 0

    before = AccessLog.objects.count()
    done = client.post(url(pat), {"confirm": "1", "digest": preview.context["digest"]})
    assert done.status_code == 302
    lab = LabResult.objects.get(patient=pat)
    assert (str(lab.ferritin), str(lab.tsat), lab.entered_by) == ("60.0", "17.0", clinician)
    logged = AccessLog.objects.order_by("id")[before:]
    assert {(e.action, e.object_kind, e.object_id) for e in logged} >= {
        ("add", "checklists.labresult", str(lab.pk)),
        ("change", "checklists.patient", str(pat.pk)),
    }
    assert all(e.patient_id == pat.pk and e.actor == clinician for e in logged)
    page = client.get(reverse("admin:checklists_patient_change", args=[pat.pk]))
    assert "1 lab result imported" in page.content.decode()

    again = client.post(url(pat), {"confirm": "1", "digest": preview.context["digest"]}, follow=True)
    assert "no longer current" in again.content.decode()
    assert LabResult.objects.count() == 1


def test_posted_values_are_never_trusted(client, clinician, pat):
    """The confirmation imports the previewed file; a forged digest or a posted value does nothing."""
    client.force_login(clinician)
    upload(client, pat, good_file())
    response = client.post(url(pat), {"confirm": "1", "digest": "0" * 64, "ferritin": "5"}, follow=True)
    assert "no longer current" in response.content.decode()
    assert LabResult.objects.count() == 0


def test_a_second_upload_replaces_the_first_preview(client, clinician, pat):
    client.force_login(clinician)
    first = upload(client, pat, good_file())
    upload(client, pat, bundle(observation(codes.FERRITIN.code, 200, "ng/mL")))
    client.post(url(pat), {"confirm": "1", "digest": first.context["digest"]})
    assert LabResult.objects.count() == 0


def test_a_foreign_patients_file_is_refused_with_no_confirm_button(client, clinician, pat):
    client.force_login(clinician)
    response = upload(client, pat, bundle(observation(), patient=patient_resource(email="x@example.com")))
    html = response.content.decode()
    assert "This file cannot be imported" in html and "the email does not match" in html
    assert 'name="confirm"' not in html
    assert client.post(url(pat), {"confirm": "1", "digest": response.context["digest"]}).status_code == 302
    assert LabResult.objects.count() == 0


def test_a_duplicate_is_marked_in_the_preview(client, clinician, pat):
    client.force_login(clinician)
    LabResult.objects.create(patient=pat, drawn_on="2026-11-02", ferritin=60, tsat=17)
    html = upload(client, pat, good_file()).content.decode()
    assert html.count("duplicate (already on file)") == 2
    assert "there is nothing to import" in html and 'name="confirm"' not in html


@pytest.mark.parametrize(
    "content, message",
    [
        ("not json at all", "The file is not JSON"),
        (text({"resourceType": "Patient"}), "The file is a Patient"),
        ("[" * 2000 + "]" * 2000, "nested deeper than"),
    ],
)
def test_a_malformed_file_shows_its_problem(client, clinician, pat, content, message):
    client.force_login(clinician)
    html = upload(client, pat, content).content.decode()
    assert message in html and 'name="confirm"' not in html


def test_a_file_too_big_is_not_read(client, clinician, pat):
    client.force_login(clinician)
    response = upload(client, pat, "x" * 1_000_001)
    assert "larger than 1000 kB" in response.content.decode()


def test_a_binary_file_is_refused(client, clinician, pat):
    client.force_login(clinician)
    response = client.post(url(pat), {"file": SimpleUploadedFile("labs.pdf", b"%PDF-\xff\xfe\x00")})
    assert "not text (UTF-8)" in response.content.decode()


def test_another_clinicians_patient_is_a_404_and_writes_nothing(client, other_clinician, pat):
    client.force_login(other_clinician)
    assert client.get(url(pat)).status_code == 404
    assert upload(client, pat, good_file()).status_code == 404
    assert client.post(url(pat), {"confirm": "1", "digest": "x"}).status_code == 404
    assert LabResult.objects.count() == 0
    assert not AccessLog.objects.filter(patient=pat).exists()


def test_the_page_view_is_in_the_access_log(client, clinician, pat):
    client.force_login(clinician)
    client.get(url(pat))
    assert AccessLog.objects.filter(
        patient=pat, actor=clinician, action="view", object_kind="checklists.labresult"
    ).exists()
