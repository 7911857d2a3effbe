"""Safe editing and the access log (issue 19)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("checklists", "0012_reminder_controls"),
    ]

    operations: list[migrations.operations.base.Operation] = []
