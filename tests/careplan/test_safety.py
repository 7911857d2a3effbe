"""The safety net's situation lines: after a vein procedure until the scan, iron infusions, dopamine drugs."""

from datetime import date, timedelta

from checklists.careplan import safety, wording
from checklists.careplan.safety import FollowUpFact, Situation, safety_situations
from checklists.models.careplan import FollowUpKind, FollowUpStatus

TODAY = date(2026, 12, 1)


def situations(*facts: FollowUpFact, labs: tuple[date, ...] = (), dopamine: bool = False) -> list[Situation]:
    return safety_situations(follow_ups=facts, lab_dates=labs, on_dopamine_medicine=dopamine, today=TODAY)


def done(kind: str, days_ago: int) -> FollowUpFact:
    return FollowUpFact(kind=kind, status="done", completed_on=TODAY - timedelta(days=days_ago))


def planned(kind: str) -> FollowUpFact:
    return FollowUpFact(kind=kind, status="planned", completed_on=None)


def test_nothing_recorded_shows_no_situation() -> None:
    assert situations() == []


def test_a_recorded_vein_procedure_shows_its_lines_while_the_scan_is_only_planned() -> None:
    assert situations(done("vein_procedure", 2), planned("venous_duplex")) == [Situation.VEIN_PROCEDURE]


def test_the_vein_procedure_lines_end_once_the_follow_up_scan_is_done() -> None:
    assert situations(done("vein_procedure", 9), done("venous_duplex", 1)) == []


def test_a_scan_from_before_the_procedure_does_not_end_them() -> None:
    assert situations(done("venous_duplex", 30), done("vein_procedure", 3)) == [Situation.VEIN_PROCEDURE]


def test_a_planned_vein_procedure_is_not_yet_a_procedure() -> None:
    assert situations(planned("vein_procedure")) == []


def test_a_planned_iron_infusion_shows_the_infusion_lines() -> None:
    assert situations(planned("iron_infusion")) == [Situation.IRON_INFUSION]


def test_after_an_infusion_the_lines_stay_until_a_later_iron_result() -> None:
    infusion = done("iron_infusion", 10)
    assert situations(infusion, labs=(TODAY - timedelta(days=20),)) == [Situation.IRON_INFUSION]
    assert situations(infusion, labs=(TODAY - timedelta(days=2),)) == []


def test_a_dopamine_medicine_shows_the_augmentation_lines_last() -> None:
    assert situations(done("vein_procedure", 1), dopamine=True) == [
        Situation.VEIN_PROCEDURE,
        Situation.DOPAMINE_MEDICINE,
    ]


def test_the_kinds_and_statuses_it_reads_are_the_models() -> None:
    assert set(safety.KINDS_READ) <= set(FollowUpKind.values)
    assert {safety.PLANNED, safety.DONE} <= set(FollowUpStatus.values)


def test_every_situation_has_its_words() -> None:
    assert [situation.value for situation in Situation] == list(wording.SAFETY_SITUATIONS)
