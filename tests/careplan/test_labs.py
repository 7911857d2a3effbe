"""Iron-studies interpretation at the AASM 2024 consensus thresholds."""

from decimal import Decimal

import pytest

from checklists.careplan import labs
from checklists.careplan.labs import IronCategory, interpret_iron

ORAL_OR_IV = IronCategory.ORAL_OR_IV
IV_ONLY = IronCategory.IV_ONLY
NONE = IronCategory.NONE_INDICATED


@pytest.mark.parametrize(
    ("ferritin", "expected"),
    [("74.9", ORAL_OR_IV), ("75", ORAL_OR_IV), ("75.1", IV_ONLY), ("100", IV_ONLY), ("100.1", NONE)],
)
def test_ferritin_boundaries_with_normal_tsat(ferritin, expected):
    assert interpret_iron(ferritin=Decimal(ferritin), tsat=Decimal("30")).category == expected


@pytest.mark.parametrize(("tsat", "expected"), [("19.9", ORAL_OR_IV), ("20", NONE), ("20.1", NONE)])
def test_tsat_boundary_with_high_ferritin(tsat, expected):
    assert interpret_iron(ferritin=Decimal("150"), tsat=Decimal(tsat)).category == expected


def test_low_tsat_beats_the_iv_only_ferritin_band():
    assert interpret_iron(ferritin=Decimal("90"), tsat=Decimal("19.9")).category == ORAL_OR_IV


def test_missing_tsat_uses_ferritin_and_says_tsat_is_missing():
    result = interpret_iron(ferritin=Decimal("90"), tsat=None)
    assert result.category == IV_ONLY
    assert "TSAT" in result.note


def test_missing_ferritin_with_low_tsat_is_still_flagged():
    result = interpret_iron(ferritin=None, tsat=Decimal("15"))
    assert result.category == ORAL_OR_IV
    assert result.flagged
    assert "ferritin" in result.note


def test_missing_ferritin_with_normal_tsat_is_incomplete_not_reassuring():
    result = interpret_iron(ferritin=None, tsat=Decimal("35"))
    assert result.category == IronCategory.INCOMPLETE
    assert not result.flagged


def test_wording_is_a_guideline_note_with_its_citation():
    result = interpret_iron(ferritin=58, tsat=17)
    assert result.label == "Iron therapy may be considered (oral or IV)"
    assert "PMID 39324694" in result.citation
    assert interpret_iron(ferritin=90, tsat=30).label == "IV iron only, per guideline"
    assert interpret_iron(ferritin=200, tsat=30).label == "No iron indicated by these thresholds"


def test_the_thresholds_are_the_named_constants_of_the_rule(monkeypatch):
    monkeypatch.setattr(labs, "FERRITIN_ORAL_OR_IV_MAX", Decimal("50"))
    assert interpret_iron(ferritin=Decimal("60"), tsat=Decimal("30")).category == IV_ONLY
