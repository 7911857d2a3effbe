from django.apps import AppConfig


class OpsConfig(AppConfig):
    """Health, metrics and logs. Its own app so that Celery's signals are connected whenever Django is
    set up, before a worker configures its logging or starts its heartbeat."""

    name = "checklists.ops"
    label = "ops"
    verbose_name = "Operations"

    def ready(self) -> None:
        from checklists.ops import celery_signals  # noqa: F401 (connects the receivers)
