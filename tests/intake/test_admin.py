"""The clinician enters a medicine's schedule in the medication inline, and reads the intake log on the
patient's page; another clinician sees nothing."""

from datetime import timedelta

import pytest

from checklists.models import Medication
from checklists.plan.rules import weekdays_to_mask
from checklists.sync.apply import sync_apply
from checklists.sync.parse import parse_batch
from tests.admin.pages import repost
from tests.intake.conftest import add_medicine, intake_op

pytestmark = pytest.mark.django_db

PATIENTS = "/admin/checklists/patient/"


def add_row(**fields):
    def edit(data):
        prefix = next(k for k in data if k.endswith("TOTAL_FORMS") and "medication" in k).removesuffix(
            "-TOTAL_FORMS"
        )
        index = int(data[f"{prefix}-TOTAL_FORMS"])
        data[f"{prefix}-TOTAL_FORMS"] = str(index + 1)
        for name, value in fields.items():
            data[f"{prefix}-{index}-{name}"] = value

    return edit


def test_the_clinician_enters_dose_times_and_days(client, clinician, patient):
    client.force_login(clinician)
    response = repost(
        client,
        f"{PATIENTS}{patient.pk}/change/",
        add_row(name="Gabapentin", dose_times="Evening, 21:00", dose_weekdays=["0", "3"]),
    )
    assert response.status_code == 302
    med = Medication.objects.get(patient=patient)
    assert (med.dose_times, med.dose_weekdays, med.as_needed) == (
        "Evening, 21:00",
        weekdays_to_mask([0, 3]),
        False,
    )


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"dose_times": "twice daily"}, "twice daily is not a time of day"),
        ({"dose_times": "evening", "as_needed": "on"}, "A medicine taken as needed has no dose times."),
        (
            {"dose_times": "morning", "every_other_day": "on"},
            "Every other day is counted from the start date",
        ),
    ],
)
def test_the_inline_refuses_a_schedule_it_cannot_follow(client, clinician, patient, fields, message):
    client.force_login(clinician)
    days = {"dose_weekdays": [str(d) for d in range(7)]}
    response = repost(client, f"{PATIENTS}{patient.pk}/change/", add_row(name="Gabapentin", **days, **fields))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Medication.objects.filter(patient=patient).exists()


def test_the_patient_page_shows_the_intake_log(client, clinician, patient):
    today = patient.local_today()
    med = add_medicine(patient, "Gabapentin", dose_times="evening")
    ops = [intake_op(med, today - timedelta(days=d), "19:00") for d in (1, 2, 3, 20)]
    ops.append(
        intake_op(med, today - timedelta(days=4), "19:00", status="skipped", reason="<b>Felt sick</b>")
    )
    sync_apply(patient=patient, batch=parse_batch({"ops": ops, "since": None}))
    client.force_login(clinician)
    page = client.get(f"{PATIENTS}{patient.pk}/change/").content.decode()
    assert "Intake log (recorded by the patient)" in page
    assert "43% (3/7)" in page  # last 7 complete days
    assert "20% (4/20)" in page  # last 30 complete days, owed from the first dose recorded
    assert "&lt;b&gt;Felt sick&lt;/b&gt; (1, last" in page  # the patient's words, escaped
    assert "evening 19:00" in page  # the patient's own times of day


def test_another_clinician_gets_a_404_and_no_intake(client, other_clinician, patient):
    Medication.objects.create(patient=patient, name="Gabapentin", dose_times="evening")
    client.force_login(other_clinician)
    response = client.get(f"{PATIENTS}{patient.pk}/change/")
    assert response.status_code == 404
    assert "Gabapentin" not in response.content.decode()


def test_no_day_ticked_means_every_day(client, clinician, patient):
    client.force_login(clinician)
    response = repost(client, f"{PATIENTS}{patient.pk}/change/", add_row(name="Iron", dose_times="morning"))
    assert response.status_code == 302
    assert Medication.objects.get(patient=patient).dose_weekdays == 0b1111111
