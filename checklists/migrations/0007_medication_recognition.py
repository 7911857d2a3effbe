"""Medicine recognition: findings, overrides, history (issue 16)."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

RECOGNITION_CHOICES = [
    ("dopaminergic", "dopaminergic: augmentation watch on"),
    ("may_worsen_rls", "may worsen RLS: review"),
    ("not_flagged", "recognised, not flagged"),
    ("not_recognised", "not recognised: check it"),
    ("not_current", "not a current medicine (negated or past entry)"),
]


class Migration(migrations.Migration):
    dependencies = [
        ("checklists", "0006_assignmentitem_weekly_target"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations: list[migrations.operations.base.Operation] = [
        # Existing rows start as "not recognised: check it" with no rule version; the post_migrate
        # re-evaluation (checklists/careplan/services.py medications_reevaluate) then checks them.
        migrations.AddField(
            model_name="medication",
            name="recognition",
            field=models.CharField(
                choices=RECOGNITION_CHOICES,
                default="not_recognised",
                editable=False,
                max_length=20,
                verbose_name="medicine check",
            ),
        ),
        migrations.AddField(
            model_name="medication",
            name="rule_version",
            field=models.CharField(blank=True, editable=False, max_length=40, verbose_name="rule version"),
        ),
        migrations.CreateModel(
            name="MedicationFinding",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("name", models.CharField(max_length=120, verbose_name="name checked")),
                (
                    "state",
                    models.CharField(choices=RECOGNITION_CHOICES, max_length=20, verbose_name="finding"),
                ),
                ("ingredients", models.CharField(blank=True, max_length=255, verbose_name="ingredients")),
                ("classes", models.CharField(blank=True, max_length=255, verbose_name="RLS classes")),
                ("source", models.CharField(blank=True, max_length=255, verbose_name="source")),
                ("rule_version", models.CharField(max_length=40, verbose_name="rule version")),
                (
                    "created_at",
                    models.DateTimeField(default=django.utils.timezone.now, verbose_name="found at"),
                ),
                ("superseded_at", models.DateTimeField(blank=True, null=True, verbose_name="superseded at")),
                (
                    "override_state",
                    models.CharField(
                        blank=True,
                        choices=RECOGNITION_CHOICES,
                        max_length=20,
                        verbose_name="clinician override",
                    ),
                ),
                ("override_reason", models.TextField(blank=True, verbose_name="override reason")),
                ("overridden_at", models.DateTimeField(blank=True, null=True, verbose_name="overridden at")),
                (
                    "medication",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="findings",
                        to="checklists.medication",
                    ),
                ),
                (
                    "overridden_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name": "medicine check finding",
                "ordering": ["-created_at", "-id"],
                "constraints": [
                    models.UniqueConstraint(
                        condition=models.Q(("superseded_at__isnull", True)),
                        fields=("medication",),
                        name="medicationfinding_one_current",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            ("override_state", ""),
                            models.Q(("override_reason", ""), _negated=True),
                            _connector="OR",
                        ),
                        name="medicationfinding_override_has_reason",
                    ),
                ],
            },
        ),
    ]
