"""Safe editing and the access log (issue 19)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("checklists", "0012_reminder_controls"),
    ]

    operations: list[migrations.operations.base.Operation] = [
        migrations.AddField(
            model_name="accesslog",
            name="patient_label",
            field=models.CharField(blank=True, max_length=254, verbose_name="patient (as recorded)"),
        ),
        migrations.AlterField(
            model_name="accesslog",
            name="action",
            field=models.CharField(
                choices=[
                    ("view", "view"),
                    ("add", "add"),
                    ("change", "change"),
                    ("delete", "delete"),
                    ("export", "export"),
                    ("sign-in", "sign-in"),
                    ("sign-in-failed", "sign-in failed"),
                    ("sign-out-everywhere", "sign-out everywhere"),
                    ("account-deleted", "account deleted"),
                    ("refused", "refused"),
                    ("care-team-add", "clinician added to the care team"),
                    ("care-team-remove", "clinician removed from the care team"),
                    ("invitation-sent", "invitation sent"),
                ],
                max_length=32,
                verbose_name="action",
            ),
        ),
    ]
