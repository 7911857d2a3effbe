# Merges the security branch's 0003_audit with the reminders/care-plan merge (the integrator may replace it).

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("checklists", "0003_audit"),
        ("checklists", "0004_merge_reminders"),
    ]

    operations = []
