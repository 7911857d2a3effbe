"""The admin shows where the IRLS band comes from, beside it (its source and the rules' version), and a
clinician records a vein procedure, which starts the patient's safety lines for after one."""

from datetime import timedelta

import pytest
from rest_framework.test import APIClient

from checklists.careplan.severity import RULESET
from checklists.models import FollowUp
from tests.admin.pages import repost
from tests.factories import SeverityScoreFactory

pytestmark = pytest.mark.django_db
PATIENTS = "/admin/checklists/patient/"


def test_the_irls_band_shows_its_source_and_rule_version(client, clinician, patient) -> None:
    SeverityScoreFactory(patient=patient, irls_total=22, scored_on=patient.local_today() - timedelta(days=1))
    client.force_login(clinician)

    html = client.get(f"{PATIENTS}{patient.pk}/change/").content.decode()

    assert "severe" in html
    assert "Walters 2003" in html and RULESET.tag in html
    assert "reviewer: not recorded" in html


def test_another_clinicians_patients_band_is_not_shown(client, other_clinician, patient) -> None:
    SeverityScoreFactory(patient=patient, irls_total=22, scored_on=patient.local_today())
    client.force_login(other_clinician)

    response = client.get(f"{PATIENTS}{patient.pk}/change/")

    assert response.status_code == 404 and RULESET.tag not in response.content.decode()


def test_a_clinician_records_a_vein_procedure_and_the_patients_plan_shows_its_lines(
    client, clinician, patient
) -> None:
    day = patient.local_today() - timedelta(days=2)
    client.force_login(clinician)

    def add(data) -> None:
        prefix = next(k for k in data if k.endswith("TOTAL_FORMS") and "follow" in k).removesuffix(
            "-TOTAL_FORMS"
        )
        index = int(data[f"{prefix}-TOTAL_FORMS"])
        data[f"{prefix}-TOTAL_FORMS"] = str(index + 1)
        data[f"{prefix}-{index}-kind"] = "vein_procedure"
        data[f"{prefix}-{index}-due_date"] = day.isoformat()
        data[f"{prefix}-{index}-status"] = "done"
        data[f"{prefix}-{index}-completed_on"] = day.isoformat()

    response = repost(client, f"{PATIENTS}{patient.pk}/change/", add)

    assert response.status_code == 302, response.context and response.context["adminform"].form.errors
    procedure = FollowUp.objects.get(patient=patient, kind="vein_procedure")
    assert (procedure.track, procedure.status, procedure.completed_on) == ("vascular", "done", day)
    api = APIClient()
    api.force_authenticate(patient.user)
    assert api.get("/api/v1/careplan/").json()["safety_net"]["situations"] == ["vein_procedure"]
