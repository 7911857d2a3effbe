"""Install the default checklist library (shared/clinical-content.md), each item with its source."""

from django.db import migrations


def install(apps, schema_editor):
    from checklists.library.defaults import DEFAULT_TEMPLATES

    ChecklistTemplate = apps.get_model("checklists", "ChecklistTemplate")
    TemplateItem = apps.get_model("checklists", "TemplateItem")
    for data in DEFAULT_TEMPLATES:
        template, created = ChecklistTemplate.objects.get_or_create(
            name=data["name"], defaults={"category": data["category"], "description": data["description"]}
        )
        if created:
            TemplateItem.objects.bulk_create(
                TemplateItem(template=template, position=position, **item)
                for position, item in enumerate(data["items"])
            )


class Migration(migrations.Migration):
    dependencies = [("checklists", "0001_initial")]
    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
