"""Patient conditions, date of birth, lab notes (issue 16)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("checklists", "0008_augmentation_watch"),
    ]

    operations: list[migrations.operations.base.Operation] = []
