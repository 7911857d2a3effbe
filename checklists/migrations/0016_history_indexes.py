import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    """The history tables lose their single-column foreign-key indexes: each is the first column of a
    (patient, date), (patient, seq), (item, date) or (medication, date, slot) index already, and with
    a patient's or a medicine's own index a planner read its whole history for a few days' rows
    (tests/api/test_query_plans.py)."""

    dependencies = [("checklists", "0015_worklist")]

    operations = [
        migrations.AlterField(
            model_name="checkoff",
            name="item",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="checkoffs",
                to="checklists.assignmentitem",
            ),
        ),
        migrations.AlterField(
            model_name="intakerecord",
            name="medication",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="intake_records",
                to="checklists.medication",
            ),
        ),
        migrations.AlterField(
            model_name="checkoff",
            name="patient",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="checkoffs",
                to="checklists.patient",
            ),
        ),
        migrations.AlterField(
            model_name="diaryentry",
            name="patient",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="diary_entries",
                to="checklists.patient",
            ),
        ),
        migrations.AlterField(
            model_name="intakerecord",
            name="patient",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="intake_records",
                to="checklists.patient",
            ),
        ),
    ]
