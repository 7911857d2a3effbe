"""Medication names are matched to the RLS lists by generic or brand name, whole words only."""

import pytest

from checklists.careplan.medications import clean_name, match_medication


@pytest.mark.parametrize(
    ("name", "generic"),
    [
        ("sertraline", "sertraline"),
        ("Zoloft", "sertraline"),
        ("Zoloft 50mg", "sertraline"),
        ("  ZOLOFT   50 mg  tablets ", "sertraline"),
        ("Sertraline hydrochloride 100 mg", "sertraline"),
        ("Benadryl", "diphenhydramine"),
        ("Piriton 4mg", "chlorpheniramine"),
        ("Escitalopram 10mg", "escitalopram"),
        ("Lithium carbonate 400 mg", "lithium"),
        ("Céléxa", "citalopram"),
        ("metoclopramide-10mg", "metoclopramide"),
    ],
)
def test_drugs_that_may_worsen_rls_are_flagged(name, generic):
    match = match_medication(name)
    assert match.generic_name == generic
    assert match.may_worsen_rls
    assert not match.is_dopaminergic


@pytest.mark.parametrize(
    ("name", "generic"),
    [
        ("Pramipexole 0.25 mg", "pramipexole"),
        ("MIRAPEX", "pramipexole"),
        ("Requip XL 4mg", "ropinirole"),
        ("Neupro 2 mg/24 h patch", "rotigotine"),
        ("Sinemet 25/100", "levodopa"),
        ("carbidopa/levodopa", "levodopa"),
        ("Co-careldopa", "levodopa"),
    ],
)
def test_dopaminergic_drugs_are_flagged(name, generic):
    match = match_medication(name)
    assert match.generic_name == generic
    assert match.is_dopaminergic
    assert not match.may_worsen_rls


@pytest.mark.parametrize(
    "name",
    [
        "loratadine",
        "Cetirizine 10mg",
        "levocetirizine",
        "Fexofenadine",
        "Bupropion",
        "Desvenlafaxine 50 mg",  # contains "venlafaxine" but is not on the list
        "Ropivacaine",  # a local anaesthetic, one letter group away from ropinirole
        "Promazine",  # not promethazine
        "sertralinex",
        "pramipexolee",
        "Gabapentin 300mg",
        "",
    ],
)
def test_near_misses_raise_no_flag(name):
    match = match_medication(name)
    assert not match.may_worsen_rls
    assert not match.is_dopaminergic


def test_escitalopram_is_not_reported_as_citalopram():
    assert match_medication("escitalopram").generic_name == "escitalopram"


def test_unknown_names_keep_a_cleaned_generic_name():
    assert match_medication("Gabapentin  300mg").generic_name == "gabapentin"
    assert clean_name("  Pregabalin 75 MG ") == "pregabalin"
