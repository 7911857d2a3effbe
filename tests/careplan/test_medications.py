"""The medicine check: names as patients and pharmacies write them -> ingredients -> the RLS classes."""

import pytest

from checklists.careplan import drug_names
from checklists.careplan.medications import (
    FIRST_LINE,
    INGREDIENT_CLASSES,
    RULESET,
    MedicationRecognition,
    clean_name,
    ingredient_class,
    match_medication,
)
from checklists.models.careplan import MedicationRecognition as ModelRecognition

D = MedicationRecognition.DOPAMINERGIC
W = MedicationRecognition.MAY_WORSEN_RLS
N = MedicationRecognition.NOT_FLAGGED
U = MedicationRecognition.NOT_RECOGNISED
X = MedicationRecognition.NOT_CURRENT


def check(name: str, state: str, ingredients: tuple[str, ...] | None = None) -> None:
    match = match_medication(name)
    assert (name, match.state) == (name, state), match.source
    if ingredients is not None:
        assert set(match.ingredients) == set(ingredients), match.source
    assert match.is_dopaminergic == (state == D)
    assert match.may_worsen_rls == (state == W)


@pytest.mark.parametrize(
    ("name", "ingredients"),
    [
        ("Tylenol PM", ("acetaminophen", "diphenhydramine")),
        ("Advil PM", ("ibuprofen", "diphenhydramine")),
        ("ZzzQuil", ("diphenhydramine",)),
        ("NyQuil Cold & Flu", ("acetaminophen", "dextromethorphan", "doxylamine")),
        ("Night Nurse", ("acetaminophen", "promethazine", "dextromethorphan")),
    ],
)
def test_combination_products_flag_for_the_ingredient_that_counts(name, ingredients):
    check(name, W, ingredients)


def test_every_ingredient_of_a_combination_is_kept():
    match = match_medication("Sinemet 25/100")
    assert match.ingredients == ("carbidopa", "levodopa")
    assert match.generic_name == "carbidopa / levodopa"
    assert match.state == D


def test_a_combination_without_a_listed_drug_is_not_flagged():
    check("DayQuil", N, ("acetaminophen", "dextromethorphan", "phenylephrine"))


@pytest.mark.parametrize(
    ("name", "state", "ingredient"),
    [
        ("Sarafem", W, "fluoxetine"),
        ("Eskalith", W, "lithium"),
        ("Duopa", D, "levodopa"),
        ("Inbrija", D, "levodopa"),
        ("Lustral 100mg", W, "sertraline"),
        ("Seroxat", W, "paroxetine"),
        ("Sifrol 0.18mg", D, "pramipexole"),
        ("Adartrel", D, "ropinirole"),
        ("Requip XL 4mg", D, "ropinirole"),
        ("Neupro 2 mg/24 h patch", D, "rotigotine"),
        ("Piriton 4mg", W, "chlorpheniramine"),
        ("Céléxa", W, "citalopram"),
        ("Priadel 400mg", W, "lithium"),
    ],
)
def test_brands_from_several_countries_resolve_to_their_ingredient(name, state, ingredient):
    match = match_medication(name)
    assert match.state == state
    assert ingredient in match.ingredients


def test_a_strength_without_a_space_keeps_the_flag_and_the_augmentation_watch():
    match = match_medication("Mirapex0.25")
    assert (match.state, match.ingredients, match.is_dopaminergic) == (D, ("pramipexole",), True)


@pytest.mark.parametrize(
    ("name", "ingredient"),
    [
        ("sertaline 50mg", "sertraline"),
        ("amitryptiline", "amitriptyline"),
        ("mirtazepine", "mirtazapine"),
        ("ropinerole", "ropinirole"),
        ("Sertralin", "sertraline"),
        ("Pramipexol", "pramipexole"),
        ("Sertralina 50 mg", "sertraline"),
    ],
)
def test_misspellings_and_european_spellings_are_recognised(name, ingredient):
    match = match_medication(name)
    assert match.ingredients == (ingredient,)
    assert match.state in (D, W)


def test_a_misspelling_close_to_two_different_medicines_is_checked_not_guessed(monkeypatch):
    dictionary = drug_names.load()
    one = dictionary.exact[("sertraline",)]
    other = dictionary.exact[("loratadine",)]
    exact = dict(dictionary.exact)
    exact[("sertralinf",)] = other  # a made-up name one edit away from "sertralinx", as sertraline is
    exact[("sertraline",)] = one
    buckets = dict(dictionary.buckets)
    buckets[("s", 10)] = [*buckets[("s", 10)], "sertralinf"]
    monkeypatch.setattr(
        drug_names, "load", lambda: drug_names._Dictionary(exact, dictionary.longest, buckets, "")
    )
    assert match_medication("sertralinx").state == U


@pytest.mark.parametrize(
    ("name", "state", "ingredients"),
    [
        ("benzyl alcohol", N, ("benzyl alcohol",)),
        ("alcohol-free mouthwash", U, ()),
        ("lithium-ion battery", U, ()),
        ("Ropivacaine", N, ("ropivacaine",)),
        ("alcohol wipes", U, ()),
        ("caffeine-free diet cola", U, ()),
    ],
)
def test_lookalikes_raise_no_flag(name, state, ingredients):
    check(name, state, ingredients)


@pytest.mark.parametrize(
    ("name", "ingredient"),
    [
        ("Not on Mirapex", "pramipexole"),
        ("stopped sertraline in 2023", "sertraline"),
        ("previously ropinirole", "ropinirole"),
        ("no longer taking Zoloft", "sertraline"),
        ("Sertraline - discontinued", "sertraline"),
    ],
)
def test_negated_or_past_entries_are_not_current_medicines(name, ingredient):
    match = match_medication(name)
    assert match.state == X
    assert match.ingredients == (ingredient,)
    assert not match.is_dopaminergic and not match.may_worsen_rls


@pytest.mark.parametrize(
    ("name", "state"),
    [
        ("No-Doz", W),  # caffeine: "no" is part of the name
        ("Zoloft 50mg - do not crush", W),
        ("sertraline, dose was increased", W),
        ("nicotine patch to quit smoking", W),
        ("not sure of the name", U),
    ],
)
def test_words_that_look_negating_but_are_not_leave_the_medicine_current(name, state):
    assert match_medication(name).state == state


@pytest.mark.parametrize("name", ["blue pill for sleep", "TENS machine", "xq-17"])
def test_an_entry_that_cannot_be_resolved_is_to_be_checked(name):
    match = match_medication(name)
    assert match.state == U
    assert not match.is_dopaminergic and not match.may_worsen_rls


def test_an_unlisted_night_time_variant_of_a_brand_is_checked_not_shown_as_safe():
    assert match_medication("Alka-Seltzer Plus Night Cold").state == U
    assert match_medication("Alka-Seltzer").state == N
    assert match_medication("Tylenol 500mg at night").state == N  # when it is taken, not which product


@pytest.mark.parametrize(
    ("name", "state"),
    [
        ("Lipitar", U),  # one edit from Lipitor, but short: an unknown brand is never guessed safe
        ("gabapentine", N),  # long and one edit from gabapentin: a sure guess
        ("Seroquil", W),  # a guess that raises a flag only asks for a review
    ],
)
def test_a_guess_at_a_misspelling_is_shown_as_safe_only_when_sure(name, state):
    assert match_medication(name).state == state


@pytest.mark.parametrize(("name", "ingredient"), [("wine nightly", "alcohol"), ("iron tablets", "iron")])
def test_everyday_words_for_substances_and_iron_resolve(name, ingredient):
    assert match_medication(name).ingredients == (ingredient,)


def test_an_empty_entry_is_not_recognised():
    assert match_medication("").state == U


# Every drug the clinical content names, with the class it names it in (Medication track).
CONTENT_NAMED = {
    D: "pramipexole ropinirole rotigotine levodopa cabergoline bromocriptine apomorphine",
    W: (
        "diphenhydramine chlorpheniramine doxylamine hydroxyzine promethazine dimenhydrinate meclizine "
        "cyproheptadine brompheniramine clemastine fluoxetine sertraline paroxetine citalopram "
        "escitalopram venlafaxine duloxetine amitriptyline mirtazapine mianserin fluvoxamine "
        "vortioxetine desvenlafaxine nortriptyline imipramine clomipramine doxepin metoclopramide "
        "prochlorperazine droperidol trimethobenzamide olanzapine quetiapine haloperidol lurasidone "
        "risperidone aripiprazole ziprasidone paliperidone clozapine chlorpromazine perphenazine lithium "
        "alcohol caffeine nicotine"
    ),
}


@pytest.mark.parametrize(
    ("name", "state"), [(name, state) for state, names in CONTENT_NAMED.items() for name in names.split()]
)
def test_every_drug_the_content_names_is_in_its_class(name, state):
    check(name, state, (name,))


def test_desvenlafaxine_and_promazine_are_flagged_as_the_content_counts_them():
    assert match_medication("Desvenlafaxine 50 mg").state == W
    assert match_medication("Pristiq").state == W
    promazine = ingredient_class("promazine")
    assert promazine is not None and promazine[0].key == "antipsychotic"
    assert match_medication("Promazine").state == W


@pytest.mark.parametrize(
    "name",
    [
        "gabapentin",
        "Gabapentin 300mg",
        "Neurontin",
        "Horizant 600 mg",
        "gabapentin enacarbil",
        "pregabalin",
        "Lyrica 75mg",
        "ferrous sulfate 200mg",
        "Ferinject",
        "iron sucrose",
    ],
)
def test_first_line_drugs_are_never_flagged(name):
    check(name, N)


def test_the_first_line_list_and_the_classes_never_overlap():
    assert not FIRST_LINE & set(INGREDIENT_CLASSES)


@pytest.mark.parametrize(
    "name", ["loratadine", "Cetirizine 10mg", "levocetirizine", "Fexofenadine", "Bupropion", "trazodone"]
)
def test_drugs_the_content_calls_lower_risk_or_neutral_are_not_flagged(name):
    check(name, N)


def test_escitalopram_is_not_reported_as_citalopram():
    assert match_medication("escitalopram").generic_name == "escitalopram"


def test_salts_resolve_to_the_ingredient_the_class_names():
    assert match_medication("Lithium carbonate 400 mg").ingredients == ("lithium",)
    assert match_medication("Sertraline hydrochloride 100 mg").ingredients == ("sertraline",)


def test_the_finding_names_its_source_and_rule_version():
    match = match_medication("Zoloft 50mg")
    assert match.rule_version == RULESET.tag
    assert RULESET.name == "medications"
    assert "drug-named-entity-recognition" in match.source
    assert "clinical-content.md" in match.source
    assert match.classes == ("serotonergic antidepressant (named in the content)",)
    assert "DailyMed" in match_medication("Tylenol PM").source


def test_the_states_are_the_model_choices():
    assert {s.value for s in MedicationRecognition} == set(ModelRecognition.values)


def test_unknown_names_keep_a_cleaned_generic_name():
    assert match_medication("Compression  stockings").generic_name == "compression stockings"
    assert clean_name("  Pregabalin 75 MG ") == "pregabalin"


def test_the_curated_table_names_a_source_for_every_row():
    rows = drug_names.supplement_rows()
    assert len(rows) > 40
    assert all(row["source"].strip() and row["ingredients"].strip() for row in rows)
