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


def _reevaluate_stored_findings(sender: AppConfig, **kwargs: Any) -> None:
    """Bring stored findings to the rules in force (issue 16): re-check medicines whose medicine-check
    rule version changed, and store the current iron note on every lab result whose note is missing or
    from older rules. Both skip what is current, so a second run writes nothing."""
    if not _fully_migrated(kwargs["using"]):
        return
    from checklists.careplan.medication_services import medications_reevaluate
    from checklists.careplan.services import labresults_reevaluate

    medications_reevaluate()
    labresults_reevaluate()


class ChecklistsConfig(AppConfig):
    name = "checklists"
    verbose_name = _("RLS care")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        post_migrate.connect(_sync_clinicians_group, sender=self)
        post_migrate.connect(_reevaluate_stored_findings, sender=self)
        # security: sign-ins and failed sign-ins go to the access log
        from checklists.security import signals  # noqa: F401
