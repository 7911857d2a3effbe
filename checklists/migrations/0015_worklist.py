"""The clinicians' worklist: the last review of each patient's reason, and an index to find each patient's
last sync (issue 19, "A worklist")."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("checklists", "0014_clinics"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="WorklistReview",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("reason", models.CharField(max_length=32, verbose_name="reason")),
                ("reviewed_at", models.DateTimeField(verbose_name="reviewed at")),
                ("rule_version", models.CharField(max_length=40, verbose_name="rule version")),
                (
                    "patient",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="worklist_reviews",
                        to="checklists.patient",
                    ),
                ),
                (
                    "reviewed_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={"verbose_name": "worklist review"},
        ),
        migrations.AddIndex(
            model_name="syncop",
            index=models.Index(fields=["patient", "-received_at"], name="syncop_patient_received"),
        ),
        migrations.AddConstraint(
            model_name="worklistreview",
            constraint=models.UniqueConstraint(
                fields=("patient", "reason"), name="worklistreview_one_per_reason"
            ),
        ),
    ]
