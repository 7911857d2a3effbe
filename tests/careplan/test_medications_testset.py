"""The medicine check against its own test set of real-world entries (data/medication_entries.csv).

The core rows (the cases the issue names) are asserted one by one; on the full set, precision and recall
must stay at or above the floors measured when the check was built (bench/medication_recognition.py
prints the figures; bench/RESULTS.md has them). A regression guard, not a target to tune to.
"""

import pytest

from checklists.careplan.medications import match_medication
from tests.careplan.medication_testset import FLAG_CLASSES, Predicted, rows, score

# Measured on 2026-12-01 (334 entries): precision 100% for both flags; recall 85.0% dopaminergic,
# 88.1% may worsen RLS, 87.6% either flag; no entry shown as safe that should be flagged or checked.
PRECISION_FLOOR = 0.98
RECALL_FLOOR = {"dopaminergic": 0.82, "may_worsen_rls": 0.85, "any": 0.85}

TESTSET = rows()


def predict(entry: str) -> Predicted:
    match = match_medication(entry)
    return Predicted(state=str(match.state), ingredients=frozenset(match.ingredients))


def test_the_test_set_is_large_sourced_and_varied():
    assert len(TESTSET) >= 200
    assert all(row.source.strip() for row in TESTSET)
    categories = {row.category for row in TESTSET}
    assert {"us_brand", "uk_brand", "eu_brand", "au_brand", "ca_brand"} <= categories
    assert {
        "combination",
        "misspelling",
        "european_spelling",
        "strength",
        "lookalike",
        "first_line",
    } <= categories
    assert {"non_drug", "negated", "substance"} <= categories


@pytest.mark.parametrize("row", [row for row in TESTSET if row.core], ids=lambda row: row.entry)
def test_core_entry(row):
    got = predict(row.entry)
    assert got.state == row.state
    if row.ingredients is not None:
        assert got.ingredients == row.ingredients


def test_precision_and_recall_stay_above_the_measured_floor():
    result = score(TESTSET, predict)
    for flag in FLAG_CLASSES:
        assert result.precision(flag) >= PRECISION_FLOOR, (flag, result.wrong)
    for flag, floor in RECALL_FLOOR.items():
        assert result.recall(flag) >= floor, (flag, result.wrong)
    assert result.false_safe == []
