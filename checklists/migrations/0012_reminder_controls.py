"""Reminders the patient controls, dose reminders, repeat until done (issue 18)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("checklists", "0011_intake_log"),
    ]

    operations: list[migrations.operations.base.Operation] = []
