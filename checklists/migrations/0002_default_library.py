"""Install the default checklist library (shared/clinical-content.md), each item with its source.

The content is a frozen copy of checklists/library/defaults.py: a migration must install the same rows
whatever the live code says later, so it imports nothing from the app. The live copy is what
library_install_defaults() installs; tests/plan/test_library_migration.py fails when the two differ,
so changing one is a decision about the other.
"""

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

TEMPLATES = [
    {
        "name": "Lifestyle modifications",
        "category": "lifestyle",
        "description": "Daily habits that help many people with restless legs. Your care team's plan.",
        "items": [
            {
                "position": 0,
                "text": "Moderate exercise (aerobic and lower-body resistance, 3 times a week)",
                "help_text": "Avoid very strenuous exercise late in the evening.",
                "source": "Randomised trial: Aukerman 2006, PMID 16951298",
            },
            {
                "position": 1,
                "text": "Stretching, leg massage or a warm bath before bed",
                "help_text": "",
                "source": "Common advice; low-quality evidence",
            },
            {
                "position": 2,
                "text": "Keep a regular sleep schedule",
                "help_text": "Go to bed and get up at about the same times every day.",
                "source": "Silber 2021, Mayo Clin Proc",
            },
            {
                "position": 3,
                "text": "A mentally alerting activity during evening rest (puzzle, reading)",
                "help_text": "",
                "source": "Silber 2021, Mayo Clin Proc",
            },
            {
                "position": 4,
                "text": "Break up long periods of sitting",
                "help_text": "On long trips, get up and walk when you can.",
                "source": "Common advice; low-quality evidence",
            },
            {
                "position": 5,
                "text": "Drink enough water and eat a balanced diet with iron-rich foods",
                "help_text": "",
                "source": "General advice",
            },
        ],
    },
    {
        "name": "Trigger avoidance",
        "category": "trigger_avoidance",
        "description": "Things that can make restless legs worse. Your care team's plan.",
        "items": [
            {
                "position": 0,
                "text": "No caffeine after midday",
                "help_text": "Coffee, tea, cola, energy drinks and chocolate all contain caffeine.",
                "source": "Substance known to worsen RLS (class well established)",
            },
            {
                "position": 1,
                "text": "No alcohol in the evening",
                "help_text": "",
                "source": "Substance known to worsen RLS (class well established)",
            },
            {
                "position": 2,
                "text": "No nicotine",
                "help_text": "",
                "source": "Substance known to worsen RLS (class well established)",
            },
            {
                "position": 3,
                "text": "Check any new medicine with your clinician or pharmacist",
                "help_text": (
                    "Including over-the-counter sleep aids and allergy or nausea medicines: sedating "
                    "antihistamines and some anti-nausea drugs can worsen RLS. Discuss with your clinician "
                    "before changing anything."
                ),
                "source": "AASM 2024 guideline, PMID 39324694",
            },
            {
                "position": 4,
                "text": "Avoid sleep deprivation",
                "help_text": "",
                "source": "Common advice; low-quality evidence",
            },
            {
                "position": 5,
                "text": "Avoid long inactivity in the evening",
                "help_text": "",
                "source": "Common advice; low-quality evidence",
            },
        ],
    },
    {
        "name": "Compression therapy",
        "category": "other",
        "description": "For patients whose specialist prescribed a compression device or stockings.",
        "items": [
            {
                "position": 0,
                "text": "Use the compression device as prescribed, before your usual symptom time",
                "help_text": "Follow your specialist's instructions for how long and when.",
                "source": "Randomised, sham-controlled, n=35: Lettieri & Eliasson 2009, Chest",
            },
            {
                "position": 1,
                "text": "Wear compression stockings as prescribed",
                "help_text": "Your vascular specialist's plan.",
                "source": "Your specialist's plan (evidence for RLS relief is weak)",
            },
        ],
    },
]

ITEM_FIELDS = ("position", "text", "help_text", "source")


def install(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    """Create each library template that is missing (by name) with its items; existing ones stay as is."""
    ChecklistTemplate = apps.get_model("checklists", "ChecklistTemplate")
    TemplateItem = apps.get_model("checklists", "TemplateItem")
    for data in TEMPLATES:
        template, created = ChecklistTemplate.objects.get_or_create(
            name=data["name"], defaults={"category": data["category"], "description": data["description"]}
        )
        if created:
            TemplateItem.objects.bulk_create(
                TemplateItem(template=template, **item) for item in data["items"]
            )


def uninstall(apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    """Delete the library templates that are exactly as install() creates them and that no checklist was
    assigned from; a template someone edited or assigned stays, so unapplying never loses clinical work."""
    ChecklistTemplate = apps.get_model("checklists", "ChecklistTemplate")
    TemplateItem = apps.get_model("checklists", "TemplateItem")
    Assignment = apps.get_model("checklists", "Assignment")
    for data in TEMPLATES:
        template_id = (
            ChecklistTemplate.objects.filter(
                name=data["name"], category=data["category"], description=data["description"]
            )
            .values_list("id", flat=True)
            .first()
        )
        if template_id is None or Assignment.objects.filter(template_id=template_id).exists():
            continue
        rows = TemplateItem.objects.filter(template_id=template_id).order_by("position", "id")
        items = [dict(zip(ITEM_FIELDS, row, strict=True)) for row in rows.values_list(*ITEM_FIELDS)]
        if items != data["items"]:
            continue
        # Plain DELETEs, not QuerySet.delete(): on "migrate checklists zero" Django hands this function
        # models whose reverse relations point at other classes, and the delete collector then refuses.
        # Nothing references these rows (no assignment was made from the template); if something did,
        # the foreign keys would stop the migration rather than leave a dangling reference.
        for model, column in ((TemplateItem, "template_id"), (ChecklistTemplate, "id")):
            table = schema_editor.quote_name(model._meta.db_table)
            schema_editor.execute(f"DELETE FROM {table} WHERE {column} = %s", [template_id])


class Migration(migrations.Migration):
    dependencies = [("checklists", "0001_initial")]
    operations = [migrations.RunPython(install, uninstall)]
