"""The iron rules (checklists/careplan/labs.py): adult, upper guard, missing values, fractions, children,
dialysis, kidney disease without dialysis, pregnancy. Pure: no database."""

from datetime import date
from decimal import Decimal

import pytest

from checklists.careplan import labs
from checklists.careplan.labs import RULESET, IronCategory, IronContext, interpret_iron

C = IronCategory
ADULT = IronContext(age_years=40)
CHILD = IronContext(age_years=12)
DIALYSIS = IronContext(age_years=60, chronic_kidney_disease=True, on_dialysis=True)


def category(ferritin, tsat, context=ADULT, **kwargs):
    ferritin = None if ferritin is None else Decimal(str(ferritin))
    tsat = None if tsat is None else Decimal(str(tsat))
    return interpret_iron(ferritin=ferritin, tsat=tsat, context=context, **kwargs).category


@pytest.mark.parametrize(
    ("ferritin", "expected"),
    [
        ("74.9", C.ORAL_OR_IV),
        ("75", C.ORAL_OR_IV),
        ("75.1", C.IV_ONLY),
        ("100", C.IV_ONLY),
        ("100.1", C.NONE_INDICATED),
    ],
)
def test_ferritin_boundaries_75_and_100_with_normal_tsat(ferritin, expected):
    assert category(ferritin, "30") == expected


@pytest.mark.parametrize(
    ("tsat", "expected"), [("19.9", C.ORAL_OR_IV), ("20", C.NONE_INDICATED), ("20.1", C.NONE_INDICATED)]
)
def test_tsat_boundary_20_with_high_ferritin(tsat, expected):
    assert category("150", tsat) == expected


@pytest.mark.parametrize(
    ("tsat", "expected"), [("44.9", C.IV_ONLY), ("45", C.NONE_TSAT_HIGH), ("50", C.NONE_TSAT_HIGH)]
)
def test_tsat_45_or_more_means_no_iron_whatever_the_ferritin(tsat, expected):
    # Today's bug: ferritin 90 with TSAT 50% read "IV iron only".
    assert category("90", tsat) == expected
    if expected == C.NONE_TSAT_HIGH:
        assert category("20", tsat) == C.NONE_TSAT_HIGH
        assert category(None, tsat) == C.NONE_TSAT_HIGH


def test_ferritin_without_tsat_is_incomplete_never_no_iron_indicated():
    # Today's bug: ferritin 150 alone read "no iron indicated".
    for ferritin in ("150", "90", "40"):
        result = interpret_iron(ferritin=Decimal(ferritin), tsat=None, context=ADULT)
        assert result.category == C.INCOMPLETE_TSAT
        assert result.label == "Incomplete: TSAT needed"
        assert result.flagged


def test_low_tsat_alone_is_enough_for_may_be_considered():
    assert category(None, "15") == C.ORAL_OR_IV


def test_normal_tsat_without_ferritin_is_incomplete_ferritin_needed():
    result = interpret_iron(ferritin=None, tsat=Decimal("35"), context=ADULT)
    assert result.category == C.INCOMPLETE_FERRITIN
    assert result.flagged


def test_low_tsat_beats_the_iv_only_ferritin_band():
    assert category("90", "19.9") == C.ORAL_OR_IV


@pytest.mark.parametrize("tsat", ["0.35", "0.99", "0"])
def test_a_tsat_below_1_is_queried_not_interpreted(tsat):
    result = interpret_iron(ferritin=Decimal("150"), tsat=Decimal(tsat), context=ADULT)
    assert result.category == C.TSAT_QUERY
    assert "fraction" in result.label and result.flagged


def test_a_confirmed_tsat_below_1_is_interpreted():
    assert category("150", "0.5", tsat_confirmed=True) == C.ORAL_OR_IV
    assert category("150", "1") == C.ORAL_OR_IV  # 1% is a percentage: low, not a fraction


@pytest.mark.parametrize(
    ("ferritin", "expected"),
    [
        ("49.9", C.CHILD_ORAL_RECOMMENDED),
        ("50", C.CHILD_ORAL_MAY),
        ("75", C.CHILD_ORAL_MAY),
        ("75.1", C.CHILD_NOT_COVERED),
        ("90", C.CHILD_NOT_COVERED),  # an adult's "IV iron only" band does not apply to a child
        (None, C.CHILD_INCOMPLETE),
    ],
)
def test_children_have_their_own_ferritin_thresholds(ferritin, expected):
    assert category(ferritin, "30", CHILD) == expected


def test_a_child_is_under_18_on_the_day_of_the_draw():
    assert category("90", "30", IronContext(age_years=17)) == C.CHILD_NOT_COVERED
    assert category("90", "30", IronContext(age_years=18)) == C.IV_ONLY


def test_a_child_with_a_high_tsat_or_kidney_disease_gets_no_threshold_note():
    assert category("30", "50", CHILD) == C.CHILD_NOT_COVERED
    on_dialysis = IronContext(age_years=12, chronic_kidney_disease=True, on_dialysis=True)
    assert category("30", "10", on_dialysis) == C.CHILD_NOT_COVERED
    assert "does not say" in interpret_iron(ferritin=30, tsat=10, context=on_dialysis).label


@pytest.mark.parametrize(
    ("ferritin", "tsat", "expected"),
    [
        ("199.9", "19.9", C.DIALYSIS_IV),
        ("90", "15", C.DIALYSIS_IV),  # the adult 75/100 bands do not apply
        ("200", "15", C.DIALYSIS_OUTSIDE),
        ("150", "20", C.DIALYSIS_OUTSIDE),
        ("50", "30", C.DIALYSIS_OUTSIDE),
        ("150", None, C.DIALYSIS_INCOMPLETE),
        (None, "15", C.DIALYSIS_INCOMPLETE),
    ],
)
def test_dialysis_uses_its_own_thresholds(ferritin, tsat, expected):
    assert category(ferritin, tsat, DIALYSIS) == expected


def test_kidney_disease_without_dialysis_gets_no_threshold_note():
    result = interpret_iron(
        ferritin=50, tsat=15, context=IronContext(age_years=60, chronic_kidney_disease=True)
    )
    assert result.category == C.CKD_NOT_COVERED
    assert "the content does not say" in result.label


def test_pregnancy_shows_the_obstetric_plan_note_instead_of_the_adult_categories():
    pregnant = IronContext(
        age_years=30, pregnant=True, pregnancy_due_date=date(2027, 3, 1), drawn_on=date(2026, 11, 2)
    )
    for ferritin, tsat in (("30", "10"), ("90", "30"), ("150", "50"), ("150", None)):
        result = interpret_iron(
            ferritin=Decimal(ferritin), tsat=Decimal(tsat) if tsat else None, context=pregnant
        )
        assert result.category == C.PREGNANCY
        assert result.label == "Pregnancy: use the obstetric plan"
        assert "Picchietti" in result.citation


def test_a_draw_after_the_recorded_due_date_asks_to_update_the_conditions():
    overdue = IronContext(
        age_years=30, pregnant=True, pregnancy_due_date=date(2026, 10, 1), drawn_on=date(2026, 11, 2)
    )
    assert category("90", "30", overdue) == C.PREGNANCY_DUE_PASSED


def test_a_pregnant_girl_gets_the_obstetric_note():
    assert (
        category("30", "30", IronContext(age_years=16, pregnant=True, pregnancy_due_date=date(2027, 1, 1)))
        == C.PREGNANCY
    )


def test_an_adult_note_without_a_date_of_birth_says_the_adult_thresholds_were_assumed():
    result = interpret_iron(ferritin=90, tsat=30)  # the default context: age not known
    assert result.category == C.IV_ONLY
    assert "date of birth not recorded" in result.note
    assert "date of birth" not in interpret_iron(ferritin=90, tsat=30, context=ADULT).note


def test_wording_is_a_guideline_note_with_its_citation_and_rule_version():
    result = interpret_iron(ferritin=58, tsat=17, context=ADULT)
    assert result.label == "Iron therapy may be considered (oral or IV)"
    assert "PMID 39324694" in result.citation
    assert result.rule_version == RULESET.tag == "iron c2.r1"
    assert "PMID 29425576" in interpret_iron(ferritin=90, tsat=50, context=ADULT).citation
    assert interpret_iron(ferritin=90, tsat=30, context=ADULT).label == "IV iron only, per guideline"
    assert (
        interpret_iron(ferritin=200, tsat=30, context=ADULT).label == "No iron indicated by these thresholds"
    )


def test_every_category_has_a_citation():
    assert set(labs.CITATIONS) == set(IronCategory)


def test_the_ruleset_names_its_sources():
    assert RULESET.name == "iron"
    assert any("PMID 39324694" in source for source in RULESET.sources)
    assert any("PMID 29425576" in source for source in RULESET.sources)


def test_the_thresholds_are_the_named_constants_of_the_rule(monkeypatch):
    monkeypatch.setattr(labs, "FERRITIN_ORAL_OR_IV_MAX", Decimal("50"))
    monkeypatch.setattr(labs, "TSAT_UPPER_GUARD", Decimal("60"))
    assert category("60", "30") == C.IV_ONLY
    assert category("90", "50") == C.IV_ONLY
