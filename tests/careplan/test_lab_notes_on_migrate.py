"""Lab results on file get their stored note (note_code, rule_version) after `migrate`, as medicines are
re-checked, and the demo's labs carry theirs; a second run writes nothing."""

from datetime import date
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command

from checklists.careplan import labs
from checklists.models import LabNote, LabResult, Patient

pytestmark = pytest.mark.django_db


def test_migrate_gives_a_lab_without_a_note_its_note_and_a_second_run_writes_nothing(patient):
    patient.date_of_birth = date(1970, 5, 5)
    patient.save()
    lab = LabResult.objects.create(  # as saved before notes were stored
        patient=patient, drawn_on=patient.local_today(), ferritin=Decimal(40), tsat=Decimal(10)
    )
    assert (lab.note_code, lab.rule_version) == ("", "")

    call_command("migrate", verbosity=0)
    lab.refresh_from_db()
    assert (lab.note_code, lab.rule_version) == ("oral_or_iv", labs.RULESET.tag)
    assert not LabNote.objects.filter(lab_result=lab).exists()  # there was no older note to keep

    written = LabResult.objects.filter(pk=lab.pk).values_list("note_code", "rule_version").get()
    call_command("migrate", verbosity=0)
    lab.refresh_from_db()
    assert (lab.note_code, lab.rule_version) == written
    assert not LabNote.objects.filter(lab_result=lab).exists()


def test_the_demo_labs_carry_their_stored_note():
    call_command("seed_demo", "--force", stdout=StringIO())
    patient = Patient.objects.get(user__email="patient@example.com")
    (lab,) = LabResult.objects.filter(patient=patient)
    assert (lab.note_code, lab.rule_version) == ("oral_or_iv", labs.RULESET.tag)
