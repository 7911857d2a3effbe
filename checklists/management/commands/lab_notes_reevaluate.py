"""Re-evaluate stored iron notes after an upgrade changed the iron rules: `manage.py lab_notes_reevaluate`."""

from typing import Any

from django.core.management.base import BaseCommand

from checklists.careplan import labs
from checklists.careplan.services import labresults_reevaluate


class Command(BaseCommand):
    help = (
        "Give every lab result whose stored guideline note is from older iron rules the current rules' "
        "note; the older note is kept in its history. Run after a deploy that changes the iron rules."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        changed = labresults_reevaluate()
        self.stdout.write(f"{changed} lab notes re-evaluated with {labs.RULESET.tag}.")
