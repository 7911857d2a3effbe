"""The visit report shows each current medicine's intake over the last 7 and 30 complete days, in both
versions (the doses are the patient's own record)."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse

from checklists.sync.apply import sync_apply
from checklists.sync.parse import parse_batch
from tests.intake.conftest import add_medicine, intake_op

pytestmark = pytest.mark.django_db


@pytest.fixture
def doses(patient, evening_med, today):
    prn = add_medicine(patient, "Codeine", as_needed=True)
    ops = [intake_op(evening_med, today - timedelta(days=d), "19:00") for d in (1, 2, 3, 4, 5, 8)]
    ops += [intake_op(prn, today - timedelta(days=d), None, status="extra") for d in (2, 9, 16)]
    sync_apply(patient=patient, batch=parse_batch({"ops": ops, "since": None}))
    return evening_med, prn


def signed_in(person) -> Client:
    client = Client()
    client.force_login(getattr(person, "user", person))
    return client


def test_the_clinicians_report_shows_intake_per_medicine(doses, patient, clinician):
    url = reverse("admin:checklists_patient_report", args=[patient.pk])
    page = signed_in(clinician).get(url).content.decode()
    assert "Intake log" in page
    # The first dose recorded (of any medicine) was 16 days ago: the 30 days owe 16.
    assert "5 of 7 doses taken (Last 7 complete days); 6 of 16 (Last 30 complete days)" in page
    assert "Extra doses: 1.0 a week (Last 7 complete days); 0.7 a week (Last 30 complete days)" in page


def test_the_patients_report_shows_the_same_figures(doses, patient):
    page = signed_in(patient).get(reverse("api:me-report")).content.decode()
    assert "5 of 7 doses taken (Last 7 complete days)" in page


def test_a_medicine_with_no_schedule_and_no_extras_says_nothing_recorded(patient, clinician):
    add_medicine(patient, "Iron", times_of_day="as told")
    url = reverse("admin:checklists_patient_report", args=[patient.pk])
    page = signed_in(clinician).get(url).content.decode()
    assert "No doses recorded" in page
