"""Closed-account records written before kept "Name <email>" (or the bare email): keep only the name the
care team knew, or "patient #id" when there was none."""

import re

from django.db import migrations

EMAIL_IN_ANGLES = re.compile(r"\s*<[^<>]*@[^<>]*>\s*$")


def closures_forget_emails(apps, schema_editor):
    AccountClosure = apps.get_model("checklists", "AccountClosure")
    for closure in AccountClosure.objects.filter(display_name__contains="@"):
        name = EMAIL_IN_ANGLES.sub("", closure.display_name).strip()
        closure.display_name = name if name and "@" not in name else f"patient #{closure.patient_ref}"
        closure.save(update_fields=["display_name"])


class Migration(migrations.Migration):
    dependencies = [("checklists", "0003_pushsubscription_per_patient")]

    operations = [migrations.RunPython(closures_forget_emails, migrations.RunPython.noop, elidable=True)]
