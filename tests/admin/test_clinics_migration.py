"""0014_clinics: existing clinicians and patients go to one default clinic; the reverse takes it away."""

import importlib

import pytest
from django.apps import apps

from checklists.models import Clinic, ClinicMembership, Patient
from tests.factories import ClinicianFactory, PatientFactory, SuperuserFactory

pytestmark = pytest.mark.django_db

migration = importlib.import_module("checklists.migrations.0014_clinics")


def test_existing_clinicians_and_patients_join_the_default_clinic_and_the_reverse_undoes_it():
    clinician = ClinicianFactory.create()
    SuperuserFactory.create()
    patient = PatientFactory.create(care_team=[clinician])

    migration.default_clinic_forwards(apps, None)
    migration.default_clinic_forwards(apps, None)  # a second run adds nothing

    clinic = Clinic.objects.get()
    assert clinic.name == migration.DEFAULT_CLINIC_NAME
    assert list(ClinicMembership.objects.values_list("user", "clinic", "is_lead")) == [
        (clinician.pk, clinic.pk, False)
    ]
    assert Patient.objects.get(pk=patient.pk).clinic == clinic

    migration.default_clinic_backwards(apps, None)
    assert not Clinic.objects.exists() and not ClinicMembership.objects.exists()
    assert Patient.objects.get(pk=patient.pk).clinic is None


def test_an_empty_database_gets_no_clinic():
    migration.default_clinic_forwards(apps, None)
    assert not Clinic.objects.exists()
