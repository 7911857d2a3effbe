"""Medicine schedules and the intake log (issue 18)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("checklists", "0010_clinical_governance"),
    ]

    operations: list[migrations.operations.base.Operation] = []
