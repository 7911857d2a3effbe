"""A clinic invites a list of patients from a CSV file: preview with each row's problems, nothing
written until confirmed, hostile files refused cleanly."""

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from checklists.accounts.invite_csv import INVITE_CSV_MAX_BYTES, INVITE_CSV_MAX_ROWS
from checklists.models import AccessLog, Assignment, Patient
from tests.factories import template_with_items

pytestmark = pytest.mark.django_db

URL = "admin:checklists_patient_invite_csv"


def upload(client, text: str | bytes, name: str = "patients.csv"):
    data = text.encode() if isinstance(text, str) else text
    return client.post(reverse(URL), {"file": SimpleUploadedFile(name, data, content_type="text/csv")})


def confirm(client, preview, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(reverse(URL), {"confirm": "1", "digest": preview.context["digest"]})


GOOD = (
    "email,name,time_zone,checklists\n"
    "nora@example.com,Nora Night,Europe/Berlin,Evening routine\n"
    "sam@example.com,Sam Sleep,,Evening routine; Iron\n"
)


@pytest.fixture
def templates(db):
    return template_with_items(2, name="Evening routine"), template_with_items(1, name="Iron")


def test_the_patient_list_links_to_the_csv_invite(client, clinician):
    client.force_login(clinician)
    page = client.get(reverse("admin:checklists_patient_changelist")).content.decode()
    assert f'href="{reverse(URL)}"' in page


def test_preview_writes_nothing_and_confirm_invites_each_row(
    client, clinician, templates, django_capture_on_commit_callbacks
):
    client.force_login(clinician)
    preview = upload(client, GOOD)

    assert preview.status_code == 200
    assert [row.email for row in preview.context["rows"]] == ["nora@example.com", "sam@example.com"]
    assert all(row.ok for row in preview.context["rows"])
    assert "Invite 2 patients" in preview.content.decode()
    assert not Patient.objects.exclude(user__email__endswith="clinician@example.com").exists()
    assert mail.outbox == []

    done = confirm(client, preview, django_capture_on_commit_callbacks)

    assert done.status_code == 302
    nora = Patient.objects.get(user__email="nora@example.com")
    sam = Patient.objects.get(user__email="sam@example.com")
    assert (nora.user.first_name, nora.user.last_name, nora.time_zone) == ("Nora", "Night", "Europe/Berlin")
    assert sam.time_zone == "UTC"
    assert list(nora.care_team.all()) == [clinician]
    assert sorted(Assignment.objects.filter(patient=sam).values_list("name", flat=True)) == [
        "Evening routine",
        "Iron",
    ]
    assert sorted(message.to[0] for message in mail.outbox) == ["nora@example.com", "sam@example.com"]
    assert (
        AccessLog.objects.filter(action="add", object_kind="checklists.patient", actor=clinician).count() == 2
    )


def test_each_bad_row_says_what_is_wrong_and_only_good_rows_are_invited(
    client, clinician, patient, templates, django_capture_on_commit_callbacks
):
    text = (
        "Email,Name,Time zone,Checklists\n"
        "good@example.com,Good Row,Europe/Paris,\n"
        "not-an-email,Bad Email,,\n"
        f"{patient.user.email},Taken,,\n"
        "good@example.com,Twice,,\n"
        "zone@example.com,Zone,Mars/Olympus,\n"
        "list@example.com,List,,Unknown checklist\n"
        'formula@example.com,"=HYPERLINK(""http://evil.example"")",,\n'
        "alias@example.com,Alias Zone,Asia/Calcutta,\n"
    )
    client.force_login(clinician)
    preview = upload(client, text)
    rows = {row.line: row for row in preview.context["rows"]}

    assert rows[2].ok and rows[9].ok
    assert rows[9].time_zone == "Asia/Kolkata"  # an old name, read as today's
    assert "not an email address" in rows[3].errors[0]
    assert "already exists" in rows[4].errors[0]
    assert "in the file twice" in rows[5].errors[0]
    assert "not a time zone" in rows[6].errors[0]
    assert "No checklist is called “Unknown checklist”" in rows[7].errors[0]
    assert "formula" in rows[8].errors[0]
    page = preview.content.decode()
    assert "Invite 2 patients" in page and "=HYPERLINK" in page  # shown escaped, as text

    confirm(client, preview, django_capture_on_commit_callbacks)

    new = set(Patient.objects.values_list("user__email", flat=True)) - {patient.user.email}
    assert new == {"good@example.com", "alias@example.com"}
    assert not User.objects.filter(first_name__startswith="=").exists()


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"\xff\xfe\x00e\x00m", "not UTF-8"),
        ("email\nx@example.com\x00\n", "binary"),
        ("name,time_zone\nNora,UTC\n", "email is required"),
        ("email\n", "no patients"),
        ("email\n" + "".join(f"p{n}@example.com\n" for n in range(INVITE_CSV_MAX_ROWS + 1)), "more than"),
        ("email\n" + "x" * (INVITE_CSV_MAX_BYTES + 1), "larger than"),
    ],
)
def test_a_hostile_or_broken_file_is_refused_whole(client, clinician, content, problem):
    client.force_login(clinician)
    response = upload(client, content)
    assert response.status_code == 200
    assert problem in str(response.context["form"].errors["file"])
    assert "digest" not in response.context
    assert Patient.objects.count() == 0


def test_a_stale_or_forged_confirmation_writes_nothing(client, clinician, templates):
    client.force_login(clinician)
    upload(client, GOOD)
    response = client.post(reverse(URL), {"confirm": "1", "digest": "0" * 64})
    assert response.status_code == 302
    assert not Patient.objects.filter(user__email="nora@example.com").exists()


def test_an_email_taken_between_preview_and_confirm_is_skipped(
    client, clinician, templates, django_capture_on_commit_callbacks
):
    client.force_login(clinician)
    preview = upload(client, GOOD)
    User.objects.create_user(username="nora@example.com", email="nora@example.com")
    confirm(client, preview, django_capture_on_commit_callbacks)
    assert Patient.objects.filter(user__email="sam@example.com").exists()
    assert not Patient.objects.filter(user__email="nora@example.com").exists()


def test_patients_cannot_use_it(client, patient):
    client.force_login(patient.user)
    response = upload(client, GOOD)
    assert response.status_code == 302 and reverse("admin:login") in response["Location"]
    assert Patient.objects.count() == 1
