"""Rule versions and what patients read (issue 16)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("checklists", "0009_patient_conditions"),
    ]

    operations: list[migrations.operations.base.Operation] = []
