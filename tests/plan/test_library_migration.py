"""The data migrations that install the default library: 0002 holds a frozen copy of the defaults as first
shipped and 0010 the frozen wording changes of clinical content version 2; these tests fail when 0002 plus
0010 and checklists/library/defaults.py drift apart."""

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
WORDING_MODULE = "checklists.migrations.0010_clinical_governance"
DEFAULTS_BY_NAME = {data["name"]: data for data in DEFAULT_TEMPLATES}
LIBRARY_NAMES = list(DEFAULTS_BY_NAME)


@pytest.fixture(scope="module")
def migration() -> ModuleType:
    """Return the data migration's module (its name starts with a digit, so it cannot be imported plainly)."""
    return importlib.import_module(MIGRATION_MODULE)


@pytest.fixture(scope="module")
def wording() -> ModuleType:
    """Return the data migration that brings the library to the content-version-2 wording."""
    return importlib.import_module(WORDING_MODULE)


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
    migration: ModuleType, wording: ModuleType, historical_apps: Apps
) -> None:
    migration.install(historical_apps, None)
    wording.update_wording(historical_apps, None)

    assert library_rows() == sorted(DEFAULT_TEMPLATES, key=lambda data: data["name"])


@pytest.mark.usefixtures("empty_library")
def test_it_numbers_the_items_in_the_order_of_the_live_defaults(
    migration: ModuleType, wording: ModuleType, historical_apps: Apps
) -> None:
    migration.install(historical_apps, None)
    wording.update_wording(historical_apps, None)

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


@pytest.mark.usefixtures("empty_library")
def test_the_wording_update_leaves_an_item_someone_edited_alone_and_can_be_undone(
    migration: ModuleType, wording: ModuleType, historical_apps: Apps
) -> None:
    migration.install(historical_apps, None)
    installed = library_rows()
    caffeine = ChecklistTemplate.objects.get(name="Trigger avoidance").items.get(position=0)
    caffeine.help_text = "Our clinic's wording"
    caffeine.save()

    wording.update_wording(historical_apps, None)

    items = ChecklistTemplate.objects.get(name="Trigger avoidance").items.order_by("position")
    assert items[0].text == "No caffeine after midday" and items[0].help_text == "Our clinic's wording"
    assert items[3].source == "Medicines known to worsen RLS (classes well established)"

    wording.restore_wording(historical_apps, None)
    caffeine.help_text = installed[2]["items"][0]["help_text"]
    caffeine.save()
    assert library_rows() == installed


def test_the_live_caffeine_item_says_its_evidence_is_mixed() -> None:
    caffeine = DEFAULTS_BY_NAME["Trigger avoidance"]["items"][0]
    assert "mixed" in caffeine["source"] and "convention, not a finding" in caffeine["help_text"]
    assert "midday" not in caffeine["text"]
