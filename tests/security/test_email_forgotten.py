"""Deleting an account forgets its email address everywhere, whatever case the sign-ins were typed in."""

import pytest
from axes.models import AccessAttempt
from django.db import connection
from django.test import Client
from django.urls import reverse

from checklists.models import AccessLog, AccountClosure
from tests.factories import DEFAULT_PASSWORD, PatientFactory
from tests.security.patient_data import fill_every_table

pytestmark = pytest.mark.django_db

EMAIL = "del-patient@example.com"


def tables_holding(text: str) -> dict[str, int]:
    """Return {table.column: rows} for every column of every table whose text holds ``text`` in any case."""
    found: dict[str, int] = {}
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            for column in connection.introspection.get_table_description(cursor, table):
                as_text = f"LOWER(CAST({quote(column.name)} AS TEXT))"
                cursor.execute(
                    f"SELECT COUNT(*) FROM {quote(table)} WHERE {as_text} LIKE %s", [f"%{text.lower()}%"]
                )
                count = cursor.fetchone()[0]
                if count:
                    found[f"{table}.{column.name}"] = count
    return found


def test_the_scan_finds_the_email_while_the_account_exists(clinician):
    """The check below can fail: the scan does find the address in any case."""
    PatientFactory.create(user__email=EMAIL, care_team=[clinician])
    assert "auth_user.email" in tables_holding(EMAIL.upper())


def test_deleting_the_account_leaves_the_email_in_no_table_in_any_case(clinician):
    patient = PatientFactory.create(
        user__email=EMAIL, user__first_name="Delia", user__last_name="Parker", care_team=[clinician]
    )
    fill_every_table(patient)
    client = Client()
    # Failed sign-ins typed in other cases (axes records each attempt as typed), then a good one.
    for typed in ["Del-patient@example.com", "DEL-PATIENT@EXAMPLE.COM"]:
        client.post(reverse("login"), {"username": typed, "password": "wrong-password"})
        client.post(reverse("login"), {"username": typed, "password": DEFAULT_PASSWORD})
    client.post(reverse("login"), {"username": EMAIL, "password": "wrong-password"})
    assert client.post(reverse("login"), {"username": EMAIL, "password": DEFAULT_PASSWORD}).status_code == 302
    assert AccessAttempt.objects.filter(username__iexact=EMAIL).exists()
    assert AccessLog.objects.filter(actor_label="DEL-PATIENT@EXAMPLE.COM", action="sign-in-failed").exists()

    response = client.post(
        reverse("api:me-delete"),
        {"password": DEFAULT_PASSWORD, "confirm": True},
        content_type="application/json",
    )
    assert response.status_code == 204
    assert tables_holding(EMAIL) == {}
    assert tables_holding("del-patient") == {}
    # What the care team keeps: the name they knew and the date.
    closure = AccountClosure.objects.get()
    assert closure.display_name == "Delia Parker"
    assert str(closure).startswith("Delia Parker (left ")


def test_a_patient_without_a_name_is_kept_by_number(clinician):
    patient = PatientFactory.create(
        user__email=EMAIL, user__first_name="", user__last_name="", care_team=[clinician]
    )
    client = Client()
    client.force_login(patient.user)
    client.post(
        reverse("api:me-delete"),
        {"password": DEFAULT_PASSWORD, "confirm": True},
        content_type="application/json",
    )
    assert AccountClosure.objects.get().display_name == f"patient #{patient.pk}"
    assert tables_holding(EMAIL) == {}


def test_closures_recorded_before_keep_no_email():
    from importlib import import_module

    from django.apps import apps

    migration = import_module("checklists.migrations.0004_accountclosure_without_email")
    AccountClosure.objects.create(patient_ref=1, display_name="Delia Parker <del-patient@example.com>")
    AccountClosure.objects.create(patient_ref=2, display_name="Del-Patient@Example.com")
    AccountClosure.objects.create(patient_ref=3, display_name="Nora Night")
    migration.closures_forget_emails(apps, None)
    assert dict(AccountClosure.objects.values_list("patient_ref", "display_name")) == {
        1: "Delia Parker",
        2: "patient #2",
        3: "Nora Night",
    }
