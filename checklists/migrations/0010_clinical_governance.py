"""Rule versions and what patients read (issue 16).

- FollowUp.kind gains "vein procedure": recorded by the clinician (marked done on its date), it starts the
  care plan's safety lines for after a vein procedure (checklists/careplan/safety.py).
- The default library's wording (clinical content version 2): caffeine says what its evidence is, and
  the "check any new medicine" item names its real source. Only library items nobody edited are changed
  (each is compared field by field with what 0002 installed); patients' assigned copies never change.
  Frozen: the old and new texts are written out here, nothing is imported from the app.
"""

from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

# (template name, position, the item as 0002 installed it, the item in content version 2)
CHANGES = [
    (
        "Trigger avoidance",
        0,
        {
            "text": "No caffeine after midday",
            "help_text": "Coffee, tea, cola, energy drinks and chocolate all contain caffeine.",
            "source": "Substance known to worsen RLS (class well established)",
        },
        {
            "text": "Cut down on caffeine, especially later in the day",
            "help_text": (
                "Coffee, tea, cola, energy drinks and chocolate all contain caffeine. The evidence on "
                "caffeine is mixed, and a midday cut-off is a convention, not a finding."
            ),
            "source": (
                "Common advice; the evidence on caffeine is mixed (Silber 2021 lists it among things to "
                "reduce)"
            ),
        },
    ),
    (
        "Trigger avoidance",
        3,
        {
            "text": "Check any new medicine with your clinician or pharmacist",
            "help_text": (
                "Including over-the-counter sleep aids and allergy or nausea medicines: sedating "
                "antihistamines and some anti-nausea drugs can worsen RLS. Discuss with your clinician "
                "before changing anything."
            ),
            "source": "AASM 2024 guideline, PMID 39324694",
        },
        {
            "text": "Check any new medicine with your clinician or pharmacist",
            "help_text": (
                "Including over-the-counter sleep aids and allergy or nausea medicines: sedating "
                "antihistamines and some anti-nausea drugs can worsen RLS. Discuss with your clinician "
                "before changing anything."
            ),
            "source": "Medicines known to worsen RLS (classes well established)",
        },
    ),
]

FOLLOW_UP_KINDS = [
    ("ferritin_tsat_lab", "Ferritin and TSAT blood test"),
    ("oral_iron_review", "Oral iron review"),
    ("iron_infusion", "Iron infusion"),
    ("venous_duplex", "Venous duplex ultrasound"),
    ("vein_procedure", "Vein procedure (ablation or sclerotherapy)"),
    ("compression_review", "Compression review"),
    ("procedure_follow_up", "Procedure follow-up"),
    ("medication_review", "Medication review"),
    ("augmentation_check_in", "Augmentation check-in"),
    ("other", "Other"),
]


def _move(apps: StateApps, *, forwards: bool) -> None:
    TemplateItem = apps.get_model("checklists", "TemplateItem")
    for name, position, old, new in CHANGES:
        before, after = (old, new) if forwards else (new, old)
        TemplateItem.objects.filter(template__name=name, position=position, **before).update(**after)


def update_wording(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    """Bring each untouched library item to the content-version-2 wording."""
    _move(apps, forwards=True)


def restore_wording(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    """Put back 0002's wording on each item that still has this migration's."""
    _move(apps, forwards=False)


class Migration(migrations.Migration):
    dependencies = [
        ("checklists", "0009_patient_conditions"),
    ]

    operations: list[migrations.operations.base.Operation] = [
        migrations.AlterField(
            model_name="followup",
            name="kind",
            field=models.CharField(choices=FOLLOW_UP_KINDS, max_length=32, verbose_name="kind"),
        ),
        migrations.RunPython(update_wording, restore_wording),
    ]
