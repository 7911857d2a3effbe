"""GET /api/v1/careplan/ says which safety-net situations apply to the signed-in patient now."""

from datetime import timedelta

import pytest
from rest_framework.test import APIClient

from checklists.careplan import services
from checklists.models.careplan import FollowUpKind
from tests.factories import LabResultFactory

pytestmark = pytest.mark.django_db
URL = "/api/v1/careplan/"


def situations(patient) -> list[str]:
    client = APIClient()
    client.force_authenticate(patient.user)
    return client.get(URL).json()["safety_net"]["situations"]


def record_vein_procedure(patient, days_ago: int = 3):
    day = patient.local_today() - timedelta(days=days_ago)
    procedure = services.followup_create(patient=patient, kind=FollowUpKind.VEIN_PROCEDURE, due_date=day)
    services.followup_complete(followup=procedure, on=day)
    return services.followup_schedule_post_ablation_duplex(patient=patient, ablation_date=day)


def test_a_patient_with_nothing_recorded_has_no_situation(patient) -> None:
    assert situations(patient) == []


def test_a_recorded_vein_procedure_applies_until_its_scan_is_done(patient) -> None:
    scan = record_vein_procedure(patient)
    assert situations(patient) == ["vein_procedure"]

    services.followup_complete(followup=scan, on=patient.local_today())
    assert situations(patient) == []


def test_another_patients_procedure_is_not_theirs(patient, other_patient) -> None:
    record_vein_procedure(other_patient)
    assert situations(patient) == []


def test_an_iron_infusion_applies_until_a_later_iron_result(patient) -> None:
    today = patient.local_today()
    infusion = services.followup_create(patient=patient, kind=FollowUpKind.IRON_INFUSION, due_date=today)
    assert situations(patient) == ["iron_infusion"]
    services.followup_complete(followup=infusion, on=today - timedelta(days=1))
    assert situations(patient) == ["iron_infusion"]
    LabResultFactory(patient=patient, drawn_on=today)
    assert situations(patient) == []


def test_a_dopamine_agonist_applies(patient) -> None:
    services.medication_add(patient=patient, name="Ropinirole")
    assert situations(patient) == ["dopamine_medicine"]
