"""Re-check every medicine on file whose medicine-check rule version is not the one in force.

``migrate`` already does this (checklists/apps.py); run it by hand after changing the class lists or the
combination table without a migration. The old findings stay in each medication's history.
"""

from typing import Any

from django.core.management.base import BaseCommand

from checklists.careplan.medication_services import medications_reevaluate
from checklists.careplan.medications import RULESET


class Command(BaseCommand):
    help = "Re-check medicines whose rule version differs from the one in force; keeps the old findings."

    def handle(self, *args: Any, **options: Any) -> None:
        count = medications_reevaluate()
        self.stdout.write(f"{count} medication(s) re-checked under {RULESET.tag}.")
