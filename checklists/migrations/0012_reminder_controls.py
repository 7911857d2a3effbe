"""Reminders the patient controls, dose reminders, repeat until done (issue 18).

The data step fixes the follow-up reminders' names in the app's list: a long title used to be cut at
80 characters together with its "in 3 days" / "today", so the two reminders of one follow-up read the
same, and a follow-up without a title was "Follow-up in 3 days" with no name. Each is renamed
"<title or kind>: in 3 days" with the title shortened instead; any second reminder of the same
follow-up and date (none should exist) is removed. Frozen here: no app imports.
"""

import django.db.models.deletion
from django.db import migrations, models

LABEL_MAX = 80
ELLIPSIS = "\u2026"
# The follow-up kinds' labels as of this migration (checklists.models.careplan.FollowUpKind).
KIND_LABELS = {
    "ferritin_tsat_lab": "Ferritin and TSAT blood test",
    "oral_iron_review": "Oral iron review",
    "iron_infusion": "Iron infusion",
    "venous_duplex": "Venous duplex ultrasound",
    "compression_review": "Compression review",
    "procedure_follow_up": "Procedure follow-up",
    "medication_review": "Medication review",
    "augmentation_check_in": "Augmentation check-in",
    "other": "Other",
}


def _label(title, days_before):
    if days_before == 0:
        when = "today"
    elif days_before == 1:
        when = "in 1 day"
    else:
        when = f"in {days_before} days"
    suffix = f": {when}"
    room = LABEL_MAX - len(suffix)
    if len(title) > room:
        title = title[: room - 1].rstrip() + ELLIPSIS
    return title + suffix


def follow_up_labels(apps, schema_editor):
    Reminder = apps.get_model("checklists", "Reminder")
    seen = set()
    rows = Reminder.objects.filter(kind="follow_up", follow_up__isnull=False).select_related("follow_up")
    for reminder in rows.order_by("id"):
        key = (reminder.follow_up_id, reminder.on_date)
        if key in seen:
            reminder.delete()
            continue
        seen.add(key)
        follow_up = reminder.follow_up
        if reminder.on_date is None:
            continue
        title = follow_up.title or KIND_LABELS.get(follow_up.kind, "Follow-up")
        label = _label(title, (follow_up.due_date - reminder.on_date).days)
        if label != reminder.label:
            Reminder.objects.filter(pk=reminder.pk).update(label=label)


class Migration(migrations.Migration):
    dependencies = [
        ("checklists", "0011_intake_log"),
    ]

    operations: list[migrations.operations.base.Operation] = [
        migrations.AddField(
            model_name="reminder",
            name="medication",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="reminders",
                to="checklists.medication",
            ),
        ),
        migrations.AddField(
            model_name="reminder",
            name="dose_time",
            field=models.TimeField(
                blank=True,
                help_text="The scheduled dose time (kind 'medication').",
                null=True,
                verbose_name="dose time",
            ),
        ),
        migrations.AddField(
            model_name="reminder",
            name="repeat_every_minutes",
            field=models.PositiveSmallIntegerField(
                blank=True, null=True, verbose_name="repeat every (minutes)"
            ),
        ),
        migrations.AddField(
            model_name="reminder",
            name="repeat_max_times",
            field=models.PositiveSmallIntegerField(default=3, verbose_name="repeat at most (times)"),
        ),
        migrations.AddField(
            model_name="reminder",
            name="repeat_round",
            field=models.PositiveSmallIntegerField(db_default=0, default=0, editable=False),
        ),
        migrations.AddField(
            model_name="delivery",
            name="repeat_round",
            field=models.PositiveSmallIntegerField(db_default=0, default=0),
        ),
        migrations.AddConstraint(
            model_name="reminder",
            constraint=models.UniqueConstraint(
                condition=models.Q(("medication__isnull", False)),
                fields=("medication", "dose_time"),
                name="reminder_once_per_dose_time",
            ),
        ),
        migrations.RunPython(follow_up_labels, migrations.RunPython.noop),
    ]
