from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _sync_clinicians_group(sender: AppConfig, **kwargs: Any) -> None:
    from checklists.accounts.services import clinicians_group_sync

    clinicians_group_sync()


class ChecklistsConfig(AppConfig):
    name = "checklists"
    verbose_name = _("RLS care")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        post_migrate.connect(_sync_clinicians_group, sender=self)
        # security: sign-ins and failed sign-ins go to the access log
        from checklists.security import signals  # noqa: F401
