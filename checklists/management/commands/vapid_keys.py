"""Print a new VAPID key pair for Web Push, as environment variable lines."""

from typing import Any

from django.core.management.base import BaseCommand

from checklists.reminders.push import vapid_generate_keys


class Command(BaseCommand):
    help = "Generate a VAPID key pair; put the two lines in the server's environment."

    def handle(self, *args: Any, **options: Any) -> None:
        private, public = vapid_generate_keys()
        self.stdout.write(f"VAPID_PRIVATE_KEY={private}\nVAPID_PUBLIC_KEY={public}")
