# Merges the reminders branch's 0003 with main's 0003s (the integrator may replace this with one merge).

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("checklists", "0003_careplan"),
        ("checklists", "0003_reminders"),
    ]

    operations = []
