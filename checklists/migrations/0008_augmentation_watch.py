"""Augmentation screening: baselines and findings (issue 16)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("checklists", "0007_medication_recognition"),
    ]

    operations: list[migrations.operations.base.Operation] = []
