"""Patient conditions, date of birth, lab notes (issue 16)."""

import django.db.models.deletion
from django.db import migrations, models


def _flag(verbose_name: str) -> models.BooleanField:
    return models.BooleanField(default=False, verbose_name=verbose_name)


class Migration(migrations.Migration):
    dependencies = [
        ("checklists", "0008_augmentation_watch"),
    ]

    operations: list[migrations.operations.base.Operation] = [
        migrations.AddField(
            model_name="patient",
            name="date_of_birth",
            field=models.DateField(blank=True, null=True, verbose_name="date of birth"),
        ),
        migrations.AddField(
            model_name="patient", name="iron_deficiency_anaemia", field=_flag("iron-deficiency anaemia")
        ),
        migrations.AddField(
            model_name="patient", name="chronic_kidney_disease", field=_flag("chronic kidney disease")
        ),
        migrations.AddField(model_name="patient", name="on_dialysis", field=_flag("on dialysis")),
        migrations.AddField(model_name="patient", name="pregnant", field=_flag("pregnancy")),
        migrations.AddField(
            model_name="patient",
            name="pregnancy_due_date",
            field=models.DateField(blank=True, null=True, verbose_name="due date"),
        ),
        migrations.AddField(model_name="patient", name="diabetes", field=_flag("diabetes")),
        migrations.AddField(
            model_name="patient", name="peripheral_neuropathy", field=_flag("peripheral neuropathy")
        ),
        migrations.AddField(model_name="patient", name="thyroid_disease", field=_flag("thyroid disease")),
        migrations.AddField(
            model_name="patient", name="parkinsons_disease", field=_flag("Parkinson's disease")
        ),
        migrations.AddField(
            model_name="patient", name="venous_insufficiency", field=_flag("venous insufficiency")
        ),
        migrations.AddField(model_name="patient", name="heart_failure", field=_flag("heart failure")),
        migrations.AddField(
            model_name="labresult",
            name="tsat_confirmed",
            field=models.BooleanField(
                default=False,
                help_text="Tick only if the laboratory really reported a TSAT below 1%.",
                verbose_name="TSAT below 1% confirmed",
            ),
        ),
        migrations.AddField(
            model_name="labresult",
            name="note_code",
            field=models.CharField(blank=True, editable=False, max_length=40, verbose_name="guideline note"),
        ),
        migrations.AddField(
            model_name="labresult",
            name="rule_version",
            field=models.CharField(blank=True, editable=False, max_length=40, verbose_name="rule version"),
        ),
        migrations.CreateModel(
            name="LabNote",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("note_code", models.CharField(max_length=40, verbose_name="guideline note")),
                ("rule_version", models.CharField(max_length=40, verbose_name="rule version")),
                ("superseded_at", models.DateTimeField(auto_now_add=True, verbose_name="superseded at")),
                (
                    "lab_result",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="note_history",
                        to="checklists.labresult",
                    ),
                ),
            ],
            options={"verbose_name": "earlier guideline note", "ordering": ["-superseded_at", "-id"]},
        ),
    ]
