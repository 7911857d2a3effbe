"""Which situations of the safety net ("When to seek care now") apply to a patient today.

The lines themselves are in ``wording.py`` (clinical content, "When to seek care now"); everyone gets the
general lines (the app is not watched in real time; self-harm). This module decides only which
situation-specific groups the care plan adds for this patient:

- after a vein procedure: from the day a vein procedure is recorded (a follow-up of kind "vein
  procedure" marked done on the procedure's date) until a venous duplex scan is marked done on or after
  that date (the scan 1 week to 1 month after an ablation that confirms closure and checks for clots);
- an iron infusion: while one is planned, and after one is recorded (done) until a ferritin/TSAT result
  drawn after it is on file (app rule: the content gives no duration; the next iron result is the next
  step of the iron track);
- a dopamine agonist or levodopa (the medicines that can cause augmentation) on the current list.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from checklists.careplan.content import Ruleset

RULESET = Ruleset(
    name="safety-net",
    revision=1,
    sources=(
        "Clinical content: When to seek care now",
        "Vascular track: duplex 1 week to 1 month after an ablation",
    ),
)

# The follow-up kinds the rule reads (values of checklists.models.careplan.FollowUpKind; plain strings
# so this module stays free of the models).
VEIN_PROCEDURE = "vein_procedure"
VENOUS_DUPLEX = "venous_duplex"
IRON_INFUSION = "iron_infusion"
KINDS_READ = (VEIN_PROCEDURE, VENOUS_DUPLEX, IRON_INFUSION)
PLANNED = "planned"
DONE = "done"


class Situation(StrEnum):
    VEIN_PROCEDURE = "vein_procedure"
    IRON_INFUSION = "iron_infusion"
    DOPAMINE_MEDICINE = "dopamine_medicine"


@dataclass(frozen=True)
class FollowUpFact:
    """What the rule needs of one follow-up."""

    kind: str
    status: str
    completed_on: date | None


def _last_done(facts: Iterable[FollowUpFact], kind: str, today: date) -> date | None:
    dates = [f.completed_on for f in facts if f.kind == kind and f.status == DONE and f.completed_on]
    dates = [d for d in dates if d <= today]
    return max(dates) if dates else None


def safety_situations(
    *,
    follow_ups: Iterable[FollowUpFact],
    lab_dates: Iterable[date],
    on_dopamine_medicine: bool,
    today: date,
) -> list[Situation]:
    """Return the situations whose safety lines the patient's care plan shows today, in a fixed order."""
    facts = list(follow_ups)
    situations: list[Situation] = []

    procedure = _last_done(facts, VEIN_PROCEDURE, today)
    scan = _last_done(facts, VENOUS_DUPLEX, today)
    if procedure is not None and (scan is None or scan < procedure):
        situations.append(Situation.VEIN_PROCEDURE)

    infusion = _last_done(facts, IRON_INFUSION, today)
    planned_infusion = any(f.kind == IRON_INFUSION and f.status == PLANNED for f in facts)
    later_lab = infusion is not None and any(d > infusion for d in lab_dates)
    if planned_infusion or (infusion is not None and not later_lab):
        situations.append(Situation.IRON_INFUSION)

    if on_dopamine_medicine:
        situations.append(Situation.DOPAMINE_MEDICINE)
    return situations
