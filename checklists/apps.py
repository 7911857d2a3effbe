from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _sync_clinicians_group(sender: AppConfig, **kwargs: Any) -> None:
    from checklists.accounts.services import clinicians_group_sync

    clinicians_group_sync()


def _fully_migrated(using: str) -> bool:
    """Return True when every migration is applied, so the live models match the tables.

    The re-evaluations below use the live models; after ``migrate checklists 0010`` (a rollback) the
    tables lack later columns, and the re-evaluation waits for the next full migrate.
    """
    from django.db import connections
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connections[using])
    return not executor.migration_plan(executor.loader.graph.leaf_nodes())


def _reevaluate_medications(sender: AppConfig, **kwargs: Any) -> None:
    """Re-check medicines on file when the medicine check's rule version changed (issue 16)."""
    if not _fully_migrated(kwargs["using"]):
        return
    from checklists.careplan.medication_services import medications_reevaluate

    medications_reevaluate()


def _reevaluate_lab_notes(sender: AppConfig, **kwargs: Any) -> None:
    """Store the current iron rules' note on every lab result whose note is missing or from older rules
    (issue 16); a second run writes nothing (``labresults_reevaluate`` skips current notes)."""
    if not _fully_migrated(kwargs["using"]):
        return
    from checklists.careplan.services import labresults_reevaluate

    labresults_reevaluate()


class ChecklistsConfig(AppConfig):
    name = "checklists"
    verbose_name = _("RLS care")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        post_migrate.connect(_sync_clinicians_group, sender=self)
        post_migrate.connect(_reevaluate_medications, sender=self)
        post_migrate.connect(_reevaluate_lab_notes, sender=self)
        # security: sign-ins and failed sign-ins go to the access log
        from checklists.security import signals  # noqa: F401
