import pytest
from django.core.management import CommandError, call_command

from checklists.models import Assignment, CheckOff, Patient

pytestmark = pytest.mark.django_db


def test_seed_demo_creates_the_documented_accounts_and_is_idempotent(settings):
    settings.DEBUG = True
    call_command("seed_demo", password="pw-for-tests-2026")
    counts = (Patient.objects.count(), Assignment.objects.count(), CheckOff.objects.count())
    call_command("seed_demo", password="pw-for-tests-2026")
    assert (Patient.objects.count(), Assignment.objects.count(), CheckOff.objects.count()) == counts

    patient = Patient.objects.get(user__username="patient@example.com")
    assert [u.username for u in patient.care_team.all()] == ["clinician@example.com"]
    other = Patient.objects.get(user__username="patient2@example.com")
    assert [u.username for u in other.care_team.all()] == ["clinician2@example.com"]
    assert set(patient.assignments.values_list("name", flat=True)) == {
        "Lifestyle modifications",
        "Trigger avoidance",
    }
    assert patient.checkoffs.dates("date", "day").count() == 14
    assert patient.user.check_password("pw-for-tests-2026")
    assert patient.sync_seq == patient.checkoffs.count() + patient.diary_entries.count()


def test_seed_demo_refuses_without_debug_unless_forced(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG off"):
        call_command("seed_demo")
    call_command("seed_demo", "--force")
    assert Patient.objects.count() == 2
