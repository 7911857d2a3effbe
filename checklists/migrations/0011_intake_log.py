"""Medicine schedules and the intake log (issue 18).

The old free-text "times of day" is read once into the new schedule where it is unambiguous
("evening, 21:00", "morning and night", "08:00"); anything else ("twice daily", "as directed") leaves the
schedule empty, and the text stays as written either way. The reader is frozen here (no app imports).
"""

import re

import django.db.models.deletion
from django.db import migrations, models

import checklists.intake.rules

_EXACT = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
_SHORT = re.compile(r"^\d:[0-5]\d$")
_SEPARATORS = re.compile(r"\s*(?:,|;|\band\b|&|\+|/)\s*", re.IGNORECASE)
_WORDS = {
    "morning": "morning",
    "midday": "midday",
    "noon": "midday",
    "evening": "evening",
    "bedtime": "bedtime",
    "night": "bedtime",
    "at night": "bedtime",
    "at bedtime": "bedtime",
    "before bed": "bedtime",
}


def _read(text):
    tokens = []
    for part in _SEPARATORS.split(text.strip()):
        word = " ".join(part.lower().split())
        if not word:
            continue
        if word in _WORDS:
            token = _WORDS[word]
        elif _EXACT.match(word):
            token = word
        elif _SHORT.match(word):
            token = "0" + word
        else:
            return None
        if token not in tokens:
            tokens.append(token)
    return ", ".join(tokens) or None


def schedule_from_free_text(apps, schema_editor):
    Medication = apps.get_model("checklists", "Medication")
    for med in Medication.objects.exclude(times_of_day="").filter(dose_times="").only("id", "times_of_day"):
        dose_times = _read(med.times_of_day)
        if dose_times and len(dose_times) <= 120:
            Medication.objects.filter(pk=med.pk).update(dose_times=dose_times)


def clear_schedules(apps, schema_editor):
    # The fields go away with the reverse of AddField; nothing to keep.
    pass


class Migration(migrations.Migration):
    dependencies = [
        ("checklists", "0010_clinical_governance"),
    ]

    operations: list[migrations.operations.base.Operation] = [
        migrations.AddField(
            model_name="medication",
            name="dose_times",
            field=models.CharField(
                blank=True,
                help_text=(
                    "When it is taken: morning, midday, evening, bedtime or exact times as HH:MM, separated "
                    "by commas (for example: evening, 21:00). Empty for a medicine taken as needed."
                ),
                max_length=120,
                validators=[checklists.intake.rules.validate_dose_times],
                verbose_name="dose times",
            ),
        ),
        migrations.AlterField(
            model_name="medication",
            name="times_of_day",
            field=models.CharField(
                blank=True,
                help_text=(
                    "Shown to the patient as written, e.g. 'evening, with food'. "
                    "Reminders follow the dose times."
                ),
                max_length=120,
                verbose_name="times of day",
            ),
        ),
        migrations.AddField(
            model_name="medication",
            name="dose_weekdays",
            field=models.PositiveSmallIntegerField(default=127, verbose_name="dose days"),
        ),
        migrations.AddField(
            model_name="medication",
            name="every_other_day",
            field=models.BooleanField(
                default=False,
                help_text="Counted from the start date (alternate-day iron).",
                verbose_name="every other day",
            ),
        ),
        migrations.AddField(
            model_name="medication",
            name="as_needed",
            field=models.BooleanField(
                default=False, help_text="No schedule: no dose times.", verbose_name="as needed"
            ),
        ),
        migrations.AddConstraint(
            model_name="medication",
            constraint=models.CheckConstraint(
                condition=models.Q(("dose_weekdays__gte", 1), ("dose_weekdays__lte", 127)),
                name="medication_dose_weekdays_valid",
            ),
        ),
        migrations.AddField(
            model_name="patient",
            name="dose_time_morning",
            field=models.TimeField(blank=True, null=True, verbose_name="morning dose time"),
        ),
        migrations.AddField(
            model_name="patient",
            name="dose_time_midday",
            field=models.TimeField(blank=True, null=True, verbose_name="midday dose time"),
        ),
        migrations.AddField(
            model_name="patient",
            name="dose_time_evening",
            field=models.TimeField(blank=True, null=True, verbose_name="evening dose time"),
        ),
        migrations.AddField(
            model_name="patient",
            name="dose_time_bedtime",
            field=models.TimeField(blank=True, null=True, verbose_name="bedtime dose time"),
        ),
        migrations.CreateModel(
            name="IntakeRecord",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("date", models.DateField(verbose_name="date")),
                ("slot", models.TimeField(blank=True, null=True, verbose_name="dose time")),
                (
                    "status",
                    models.CharField(
                        choices=[("taken", "taken"), ("skipped", "skipped"), ("extra", "extra dose")],
                        max_length=8,
                        verbose_name="status",
                    ),
                ),
                ("reason", models.CharField(blank=True, max_length=200, verbose_name="reason")),
                ("op_id", models.UUIDField(blank=True, editable=False, null=True)),
                ("client_at", models.DateTimeField(blank=True, editable=False, null=True)),
                ("seq", models.BigIntegerField(default=0, editable=False)),
                ("updated_at", models.DateTimeField(auto_now=True)),
                (
                    "medication",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="intake_records",
                        to="checklists.medication",
                    ),
                ),
                (
                    "patient",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="intake_records",
                        to="checklists.patient",
                    ),
                ),
            ],
            options={
                "verbose_name": "intake record",
                "ordering": ["date", "slot", "id"],
                "indexes": [
                    models.Index(fields=["patient", "seq"], name="intake_patient_seq"),
                    models.Index(fields=["patient", "date"], name="intake_patient_date"),
                ],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("medication", "date", "slot"), name="intake_one_per_dose"
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("slot__isnull", True), ("status", "extra")),
                            models.Q(("slot__isnull", False), ("status__in", ["taken", "skipped"])),
                            _connector="OR",
                        ),
                        name="intake_slot_unless_extra",
                    ),
                ],
            },
        ),
        migrations.RunPython(schedule_from_free_text, clear_schedules),
    ]
