"""The medicine-check test set (``data/medication_entries.csv``) and how it is scored.

Each row is an entry as a patient or pharmacy writes it, from a public drug-name source (the ``source``
column: DailyMed, EMC, NHS, TGA, Health Canada, national formularies, the clinical content), with the
state and the generic ingredients the check should find. ``*`` in ``ingredients`` means "any": only the
state is scored. ``core`` rows are asserted one by one in tests/careplan/test_medications_testset.py.

Scored: per flag class (dopaminergic; may worsen RLS) and overall (either flag), precision and recall of
the flag; the state and ingredient accuracy; and "false safe", an entry that should be flagged or
checked and is shown as "recognised, not flagged".
"""

import csv
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

TESTSET = Path(__file__).parent / "data" / "medication_entries.csv"

DOPAMINERGIC = "dopaminergic"
MAY_WORSEN = "may_worsen_rls"
NOT_FLAGGED = "not_flagged"
NOT_RECOGNISED = "not_recognised"
FLAG_CLASSES = (DOPAMINERGIC, MAY_WORSEN)


@dataclass(frozen=True)
class Row:
    entry: str
    state: str
    ingredients: frozenset[str] | None  # None: not scored
    category: str
    source: str
    core: bool


@dataclass(frozen=True)
class Predicted:
    state: str
    ingredients: frozenset[str]


@dataclass
class Score:
    total: int = 0
    states_right: int = 0
    ingredients_scored: int = 0
    ingredients_right: int = 0
    false_safe: list[str] = field(default_factory=list)
    wrong: list[tuple[str, str, str]] = field(default_factory=list)  # entry, expected, predicted
    counts: dict[str, dict[str, int]] = field(default_factory=dict)  # class -> tp/fp/fn

    def precision(self, flag: str) -> float:
        c = self.counts[flag]
        return c["tp"] / (c["tp"] + c["fp"]) if c["tp"] + c["fp"] else 1.0

    def recall(self, flag: str) -> float:
        c = self.counts[flag]
        return c["tp"] / (c["tp"] + c["fn"]) if c["tp"] + c["fn"] else 1.0


def rows(path: Path = TESTSET) -> list[Row]:
    with path.open(newline="", encoding="utf-8") as handle:
        return [
            Row(
                entry=r["entry"],
                state=r["state"],
                ingredients=None
                if r["ingredients"] == "*"
                else frozenset(filter(None, r["ingredients"].split(";"))),
                category=r["category"],
                source=r["source"],
                core=r["core"] == "1",
            )
            for r in csv.DictReader(handle)
        ]


def score(testset: Iterable[Row], predict: Callable[[str], Predicted]) -> Score:
    result = Score(counts={k: {"tp": 0, "fp": 0, "fn": 0} for k in (*FLAG_CLASSES, "any")})
    for row in testset:
        got = predict(row.entry)
        result.total += 1
        if got.state == row.state:
            result.states_right += 1
        else:
            result.wrong.append((row.entry, row.state, got.state))
        if row.ingredients is not None and row.state != NOT_RECOGNISED:
            result.ingredients_scored += 1
            result.ingredients_right += got.ingredients == row.ingredients
        if got.state == NOT_FLAGGED and row.state in (*FLAG_CLASSES, NOT_RECOGNISED):
            result.false_safe.append(row.entry)
        for flag in FLAG_CLASSES:
            expected, predicted = row.state == flag, got.state == flag
            _count(result.counts[flag], expected, predicted)
        _count(result.counts["any"], row.state in FLAG_CLASSES, got.state in FLAG_CLASSES)
    return result


def _count(counts: dict[str, int], expected: bool, predicted: bool) -> None:
    if expected and predicted:
        counts["tp"] += 1
    elif predicted:
        counts["fp"] += 1
    elif expected:
        counts["fn"] += 1
