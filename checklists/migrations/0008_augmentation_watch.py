"""Augmentation screening: baselines and findings (issue 16)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

STATUS_CHOICES = [
    ("flagged", "Possible augmentation: review"),
    ("no_signs", "No signs in the diary"),
    ("not_enough_data", "Not enough diary data"),
    ("no_baseline", "No baseline: pick a baseline period"),
    ("not_applicable", "Not on a dopaminergic drug"),
]


class Migration(migrations.Migration):
    dependencies = [
        ("checklists", "0007_medication_recognition"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations: list[migrations.operations.base.Operation] = [
        migrations.CreateModel(
            name="AugmentationBaseline",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("start", models.DateField(verbose_name="baseline from")),
                ("end", models.DateField(verbose_name="baseline to")),
                ("note", models.CharField(blank=True, max_length=200, verbose_name="why this period")),
                ("updated_at", models.DateTimeField(auto_now=True)),
                (
                    "patient",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="augmentation_baseline",
                        to="checklists.patient",
                    ),
                ),
                (
                    "set_by",
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
                "verbose_name": "augmentation baseline",
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("end__gte", models.F("start"))),
                        name="augmentation_baseline_end_after_start",
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="AugmentationFinding",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("computed_at", models.DateTimeField(verbose_name="found at")),
                ("checked_at", models.DateTimeField(verbose_name="last checked at")),
                ("status", models.CharField(choices=STATUS_CHOICES, max_length=20, verbose_name="status")),
                ("criterion_a", models.BooleanField(default=False, verbose_name="criterion A appears met")),
                ("criterion_b", models.BooleanField(default=False, verbose_name="criterion B appears met")),
                ("evidence", models.JSONField(default=dict, verbose_name="evidence")),
                ("rule_version", models.CharField(max_length=40, verbose_name="rule version")),
                ("reviewed_at", models.DateTimeField(blank=True, null=True, verbose_name="reviewed at")),
                ("review_note", models.TextField(blank=True, max_length=2000, verbose_name="review note")),
                (
                    "patient",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="augmentation_findings",
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
            options={
                "verbose_name": "augmentation finding",
                "ordering": ["patient", "-computed_at", "-id"],
                "indexes": [
                    models.Index(fields=["patient", "-computed_at"], name="augfinding_patient_computed"),
                    models.Index(fields=["status", "reviewed_at"], name="augfinding_status_reviewed"),
                ],
            },
        ),
    ]
