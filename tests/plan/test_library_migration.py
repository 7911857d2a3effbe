"""The data migration that installs the default library: it holds a frozen copy of the live defaults,
and these tests fail when that copy and checklists/library/defaults.py drift apart."""

import importlib
from types import ModuleType

import pytest
from django.apps.registry import Apps
from django.db import connection
from django.db.migrations.loader import MigrationLoader

from checklists.library.defaults import DEFAULT_TEMPLATES
from checklists.models import ChecklistTemplate
from checklists.plan.services import assignment_create
from tests.factories import PatientFactory

pytestmark = pytest.mark.django_db

MIGRATION_MODULE = "checklists.migrations.0002_default_library"
DEFAULTS_BY_NAME = {data["name"]: data for data in DEFAULT_TEMPLATES}
LIBRARY_NAMES = list(DEFAULTS_BY_NAME)


@pytest.fixture(scope="module")
def migration() -> ModuleType:
    """Return the data migration's module (its name starts with a digit, so it cannot be imported plainly)."""
    return importlib.import_module(MIGRATION_MODULE)


@pytest.fixture(scope="module")
def historical_apps() -> Apps:
    """Return the models as the migration sees them: the project state right after the schema migration."""
    # No connection: the state comes from the migration files alone, without asking what is applied.
    return MigrationLoader(None).project_state(("checklists", "0001_initial")).apps


def library_rows() -> list[dict]:
    """Return the library in the database shaped like DEFAULT_TEMPLATES: by name, items by position."""
    return [
        {
            "name": template.name,
            "category": template.category,
            "description": template.description,
            "items": [
                {"text": item.text, "help_text": item.help_text, "source": item.source}
                for item in template.items.order_by("position", "id")
            ],
        }
        for template in ChecklistTemplate.objects.filter(name__in=LIBRARY_NAMES).order_by("name")
    ]


@pytest.fixture
def empty_library() -> None:
    """Start from an empty library: the test database was migrated, so the migration already ran once."""
    ChecklistTemplate.objects.all().delete()


@pytest.mark.usefixtures("empty_library")
def test_it_installs_the_live_default_library_with_every_items_source(
    migration: ModuleType, historical_apps: Apps
) -> None:
    migration.install(historical_apps, None)

    assert library_rows() == sorted(DEFAULT_TEMPLATES, key=lambda data: data["name"])


@pytest.mark.usefixtures("empty_library")
def test_it_numbers_the_items_in_the_order_of_the_live_defaults(
    migration: ModuleType, historical_apps: Apps
) -> None:
    migration.install(historical_apps, None)

    for data in DEFAULT_TEMPLATES:
        template = ChecklistTemplate.objects.get(name=data["name"])
        positions = list(template.items.order_by("id").values_list("text", "position"))
        assert positions == [(item["text"], position) for position, item in enumerate(data["items"])]


@pytest.mark.usefixtures("empty_library")
def test_it_creates_only_the_missing_templates_and_leaves_existing_ones_alone(
    migration: ModuleType, historical_apps: Apps
) -> None:
    ChecklistTemplate.objects.create(name="Trigger avoidance", category="other", description="Our own")

    migration.install(historical_apps, None)
    migration.install(historical_apps, None)

    kept = ChecklistTemplate.objects.get(name="Trigger avoidance")
    assert (kept.category, kept.description, kept.items.count()) == ("other", "Our own", 0)
    assert sorted(ChecklistTemplate.objects.values_list("name", flat=True)) == sorted(LIBRARY_NAMES)


@pytest.mark.usefixtures("empty_library")
def test_unapplying_it_keeps_the_templates_someone_edited_or_assigned(
    migration: ModuleType, historical_apps: Apps
) -> None:
    migration.install(historical_apps, None)
    edited = ChecklistTemplate.objects.get(name="Lifestyle modifications")
    item = edited.items.get(position=0)
    item.help_text = "Our clinic's wording"
    item.save()
    assigned = ChecklistTemplate.objects.get(name="Trigger avoidance")
    assignment_create(patient=PatientFactory.create(), template=assigned, assigned_by=None)

    # Not entered: the function only runs DML through it, and entering would refuse inside the test's
    # transaction on SQLite.
    migration.uninstall(historical_apps, connection.schema_editor())

    remaining = set(ChecklistTemplate.objects.values_list("name", flat=True))
    assert remaining == {"Lifestyle modifications", "Trigger avoidance"}
    assert assigned.items.count() == len(DEFAULTS_BY_NAME["Trigger avoidance"]["items"])
