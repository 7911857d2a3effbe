"""Medicine recognition: findings, overrides, history (issue 16)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("checklists", "0006_assignmentitem_weekly_target"),
    ]

    operations: list[migrations.operations.base.Operation] = []
