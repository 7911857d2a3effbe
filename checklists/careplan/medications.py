"""Medication entries -> generic ingredients -> the RLS medicine check (clinical content, Medication track).

The names are resolved by ``drug_names`` (a maintained drug dictionary plus a small sourced table of
combination products); the RLS classes then apply to each ingredient, never to a brand. Class
membership is ``INGREDIENT_CLASSES`` below: every drug the clinical content names, and the further
members of the classes it says count ("every member of each class counts"), each row with its wording.

The states a clinician sees (``MedicationRecognition``, the model's choices have the same values):

- dopaminergic (augmentation watch on): an ingredient is a dopamine agonist or levodopa;
- may worsen RLS (review): an ingredient is in one of the content's classes that can worsen RLS;
- recognised, not flagged: every name resolved, none in a class (first-line drugs are never flagged);
- not recognised, check it: no medicine name could be resolved, or a word looks like two different
  medicines; never shown like a safe medicine;
- not a current medicine: a negated or past entry ("Not on Mirapex", "stopped sertraline in 2023").

Decision on promazine: the content counts "other antipsychotics such as aripiprazole, ..., chlorpromazine,
perphenazine"; promazine is a phenothiazine antipsychotic like chlorpromazine, so it is flagged (the
previous hand list did not). Desvenlafaxine is named by the content and is flagged.
"""

from dataclasses import dataclass
from enum import StrEnum

from checklists.careplan import drug_names
from checklists.careplan.content import Ruleset


class MedicationRecognition(StrEnum):
    """The states of the check; the same values as the model's choices (``models.MedicationRecognition``)."""

    DOPAMINERGIC = "dopaminergic"
    MAY_WORSEN_RLS = "may_worsen_rls"
    NOT_FLAGGED = "not_flagged"
    NOT_RECOGNISED = "not_recognised"
    NOT_CURRENT = "not_current"


RULESET = Ruleset(
    name="medications",
    revision=1,
    sources=(
        "shared/clinical-content.md, Medication track: medications and substances that can worsen RLS "
        "(every member of each class counts); dopaminergic drugs (AASM 2024, Winkelman et al.)",
        f"{drug_names.DICTIONARY_DISTRIBUTION} (Fast Data Science, MIT licence): brand and generic names",
        "checklists/careplan/data/drug_names_supplement.csv: combination products, each row sourced "
        "(DailyMed, EMC, NHS)",
    ),
)

CONTENT = "shared/clinical-content.md, Medication track"


@dataclass(frozen=True)
class RlsClass:
    key: str
    label: str
    dopaminergic: bool


DOPAMINERGIC = RlsClass("dopaminergic", "dopaminergic (dopamine agonist or levodopa)", True)
ANTIHISTAMINE = RlsClass("sedating_antihistamine", "sedating antihistamine", False)
ANTIDEPRESSANT = RlsClass("serotonergic_antidepressant", "serotonergic antidepressant", False)
ANTINAUSEA = RlsClass("dopamine_blocking_antinausea", "dopamine-blocking anti-nausea drug", False)
ANTIPSYCHOTIC = RlsClass("antipsychotic", "antipsychotic", False)
LITHIUM = RlsClass("lithium", "lithium", False)
SUBSTANCE = RlsClass("substance", "substance (alcohol, caffeine, nicotine)", False)

NAMED = "named in the content"
MEMBER = "member of a class the content says counts"

# ingredient: (class, why it is a member). Spelling as the content writes it; see INGREDIENT_ALIASES.
INGREDIENT_CLASSES: dict[str, tuple[RlsClass, str]] = {
    # Dopaminergic: AASM 2024 (pramipexole, ropinirole, rotigotine, levodopa); "also cabergoline,
    # bromocriptine, apomorphine"; further dopamine agonists as members of the same class.
    "pramipexole": (DOPAMINERGIC, NAMED),
    "ropinirole": (DOPAMINERGIC, NAMED),
    "rotigotine": (DOPAMINERGIC, NAMED),
    "levodopa": (DOPAMINERGIC, NAMED),
    "cabergoline": (DOPAMINERGIC, NAMED),
    "bromocriptine": (DOPAMINERGIC, NAMED),
    "apomorphine": (DOPAMINERGIC, NAMED),
    "piribedil": (DOPAMINERGIC, MEMBER + ": dopamine agonist"),
    "pergolide": (DOPAMINERGIC, MEMBER + ": dopamine agonist"),
    "lisuride": (DOPAMINERGIC, MEMBER + ": dopamine agonist"),
    # Sedating antihistamines: named, then "dimenhydrinate, meclizine, cyproheptadine, brompheniramine,
    # clemastine among antihistamines", then other first-generation (sedating) H1 antihistamines.
    "diphenhydramine": (ANTIHISTAMINE, NAMED),
    "chlorpheniramine": (ANTIHISTAMINE, NAMED),
    "doxylamine": (ANTIHISTAMINE, NAMED),
    "hydroxyzine": (ANTIHISTAMINE, NAMED),
    "promethazine": (ANTIHISTAMINE, NAMED),
    "dimenhydrinate": (ANTIHISTAMINE, NAMED),
    "meclizine": (ANTIHISTAMINE, NAMED),
    "cyproheptadine": (ANTIHISTAMINE, NAMED),
    "brompheniramine": (ANTIHISTAMINE, NAMED),
    "clemastine": (ANTIHISTAMINE, NAMED),
    "dexchlorpheniramine": (ANTIHISTAMINE, MEMBER + ": first-generation H1 antihistamine"),
    "dexbrompheniramine": (ANTIHISTAMINE, MEMBER + ": first-generation H1 antihistamine"),
    "triprolidine": (ANTIHISTAMINE, MEMBER + ": first-generation H1 antihistamine"),
    "carbinoxamine": (ANTIHISTAMINE, MEMBER + ": first-generation H1 antihistamine"),
    "pheniramine": (ANTIHISTAMINE, MEMBER + ": first-generation H1 antihistamine"),
    "cyclizine": (ANTIHISTAMINE, MEMBER + ": first-generation H1 antihistamine"),
    "cinnarizine": (ANTIHISTAMINE, MEMBER + ": first-generation H1 antihistamine"),
    "alimemazine": (ANTIHISTAMINE, MEMBER + ": first-generation H1 antihistamine"),
    # Serotonergic antidepressants: named, then "other SSRIs, SNRIs and tricyclics such as fluvoxamine,
    # vortioxetine, desvenlafaxine, nortriptyline, imipramine, clomipramine, doxepin", then the other
    # SSRIs, SNRIs and tricyclics. Bupropion is "usually neutral" and is not a member.
    "fluoxetine": (ANTIDEPRESSANT, NAMED),
    "sertraline": (ANTIDEPRESSANT, NAMED),
    "paroxetine": (ANTIDEPRESSANT, NAMED),
    "citalopram": (ANTIDEPRESSANT, NAMED),
    "escitalopram": (ANTIDEPRESSANT, NAMED),
    "venlafaxine": (ANTIDEPRESSANT, NAMED),
    "duloxetine": (ANTIDEPRESSANT, NAMED),
    "amitriptyline": (ANTIDEPRESSANT, NAMED),
    "mirtazapine": (ANTIDEPRESSANT, NAMED),
    "mianserin": (ANTIDEPRESSANT, NAMED),
    "fluvoxamine": (ANTIDEPRESSANT, NAMED),
    "vortioxetine": (ANTIDEPRESSANT, NAMED),
    "desvenlafaxine": (ANTIDEPRESSANT, NAMED),
    "nortriptyline": (ANTIDEPRESSANT, NAMED),
    "imipramine": (ANTIDEPRESSANT, NAMED),
    "clomipramine": (ANTIDEPRESSANT, NAMED),
    "doxepin": (ANTIDEPRESSANT, NAMED),
    "milnacipran": (ANTIDEPRESSANT, MEMBER + ": SNRI"),
    "levomilnacipran": (ANTIDEPRESSANT, MEMBER + ": SNRI"),
    "desipramine": (ANTIDEPRESSANT, MEMBER + ": tricyclic"),
    "trimipramine": (ANTIDEPRESSANT, MEMBER + ": tricyclic"),
    "protriptyline": (ANTIDEPRESSANT, MEMBER + ": tricyclic"),
    "dosulepin": (ANTIDEPRESSANT, MEMBER + ": tricyclic"),
    "lofepramine": (ANTIDEPRESSANT, MEMBER + ": tricyclic"),
    "amoxapine": (ANTIDEPRESSANT, MEMBER + ": tricyclic"),
    # Dopamine-blocking anti-nausea drugs: named, then "droperidol, trimethobenzamide"; domperidone is a
    # dopamine blocker used for nausea and is counted (the clinic may decide otherwise: see README).
    "metoclopramide": (ANTINAUSEA, NAMED),
    "prochlorperazine": (ANTINAUSEA, NAMED),
    "droperidol": (ANTINAUSEA, NAMED),
    "trimethobenzamide": (ANTINAUSEA, NAMED),
    "domperidone": (ANTINAUSEA, MEMBER + ": dopamine blocker used for nausea"),
    # Antipsychotics: named, then "aripiprazole, ziprasidone, paliperidone, clozapine, chlorpromazine,
    # perphenazine", then the other antipsychotics (first and second generation).
    "olanzapine": (ANTIPSYCHOTIC, NAMED),
    "quetiapine": (ANTIPSYCHOTIC, NAMED),
    "haloperidol": (ANTIPSYCHOTIC, NAMED),
    "lurasidone": (ANTIPSYCHOTIC, NAMED),
    "risperidone": (ANTIPSYCHOTIC, NAMED),
    "aripiprazole": (ANTIPSYCHOTIC, NAMED),
    "ziprasidone": (ANTIPSYCHOTIC, NAMED),
    "paliperidone": (ANTIPSYCHOTIC, NAMED),
    "clozapine": (ANTIPSYCHOTIC, NAMED),
    "chlorpromazine": (ANTIPSYCHOTIC, NAMED),
    "perphenazine": (ANTIPSYCHOTIC, NAMED),
    "promazine": (ANTIPSYCHOTIC, MEMBER + ": phenothiazine antipsychotic"),
    "levomepromazine": (ANTIPSYCHOTIC, MEMBER + ": phenothiazine antipsychotic"),
    "fluphenazine": (ANTIPSYCHOTIC, MEMBER + ": phenothiazine antipsychotic"),
    "trifluoperazine": (ANTIPSYCHOTIC, MEMBER + ": phenothiazine antipsychotic"),
    "thioridazine": (ANTIPSYCHOTIC, MEMBER + ": phenothiazine antipsychotic"),
    "pericyazine": (ANTIPSYCHOTIC, MEMBER + ": phenothiazine antipsychotic"),
    "flupentixol": (ANTIPSYCHOTIC, MEMBER + ": antipsychotic"),
    "zuclopenthixol": (ANTIPSYCHOTIC, MEMBER + ": antipsychotic"),
    "thiothixene": (ANTIPSYCHOTIC, MEMBER + ": antipsychotic"),
    "loxapine": (ANTIPSYCHOTIC, MEMBER + ": antipsychotic"),
    "pimozide": (ANTIPSYCHOTIC, MEMBER + ": antipsychotic"),
    "sulpiride": (ANTIPSYCHOTIC, MEMBER + ": antipsychotic"),
    "amisulpride": (ANTIPSYCHOTIC, MEMBER + ": antipsychotic"),
    "asenapine": (ANTIPSYCHOTIC, MEMBER + ": antipsychotic"),
    "iloperidone": (ANTIPSYCHOTIC, MEMBER + ": antipsychotic"),
    "brexpiprazole": (ANTIPSYCHOTIC, MEMBER + ": antipsychotic"),
    "cariprazine": (ANTIPSYCHOTIC, MEMBER + ": antipsychotic"),
    "lumateperone": (ANTIPSYCHOTIC, MEMBER + ": antipsychotic"),
    "sertindole": (ANTIPSYCHOTIC, MEMBER + ": antipsychotic"),
    # Lithium and the substances.
    "lithium": (LITHIUM, NAMED),
    "alcohol": (SUBSTANCE, NAMED),
    "caffeine": (SUBSTANCE, NAMED),
    "nicotine": (SUBSTANCE, NAMED),
}

# First-line drugs (AASM 2024: alpha-2-delta ligands and iron): never flagged (a test keeps them out of
# INGREDIENT_CLASSES); listed so the admin can say why.
FIRST_LINE = frozenset(
    {
        "gabapentin",
        "gabapentin enacarbil",
        "pregabalin",
        "ferrous sulfate",
        "ferrous fumarate",
        "ferrous gluconate",
        "ferric carboxymaltose",
        "iron sucrose",
        "ferumoxytol",
        "ferric derisomaltose",
        "iron isomaltoside",
        "iron dextran",
        "ferric maltol",
        "iron",
    }
)

# Other spellings (INN/USAN/BAN, salts) of an ingredient -> the content's spelling.
INGREDIENT_ALIASES: dict[str, str] = {
    "chlorphenamine": "chlorpheniramine",
    "dexchlorphenamine": "dexchlorpheniramine",
    "meclozine": "meclizine",
    "dothiepin": "dosulepin",
    "trimeprazine": "alimemazine",
    "methotrimeprazine": "levomepromazine",
    "flupenthixol": "flupentixol",
    "tiotixene": "thiothixene",
    "periciazine": "pericyazine",
    "hyoscine": "scopolamine",
    "paracetamol": "acetaminophen",
    "ethanol": "alcohol",
    "iron isomaltoside 1000": "iron isomaltoside",
}
_SALT_WORDS = drug_names.word_set(
    """
    hydrochloride hcl hydrobromide maleate succinate tartrate bitartrate carbonate citrate mesylate
    mesilate sulfate sulphate fumarate besylate acetate sodium potassium decanoate palmitate pamoate
    embonate lauroxil teoclate
    """
)


@dataclass(frozen=True)
class MedicationMatch:
    """What the medicine check found for one entry, as stored on the medication and in its history."""

    generic_name: str
    is_dopaminergic: bool
    may_worsen_rls: bool
    state: str = MedicationRecognition.NOT_RECOGNISED
    ingredients: tuple[str, ...] = ()
    classes: tuple[str, ...] = ()
    source: str = ""
    rule_version: str = ""


def normalise_ingredient(name: str) -> str:
    """Return the content's spelling of an ingredient ("chlorphenamine maleate" -> "chlorpheniramine")."""
    name = INGREDIENT_ALIASES.get(name, name)
    if name in INGREDIENT_CLASSES or name in FIRST_LINE:
        return name
    base = " ".join(w for w in name.split() if w not in _SALT_WORDS)
    base = INGREDIENT_ALIASES.get(base, base)
    if base in INGREDIENT_CLASSES:
        return base
    return name


def ingredient_class(ingredient: str) -> tuple[RlsClass, str] | None:
    """Return the RLS class an ingredient belongs to and why, or None (first-line drugs never have one)."""
    return INGREDIENT_CLASSES.get(normalise_ingredient(ingredient))


def clean_name(name: str) -> str:
    """Return ``name`` lower-cased, single-spaced, strength removed ("Zoloft  50mg" -> "zoloft")."""
    return " ".join(w for w in drug_names.words(name) if not w[0].isdigit() and w not in drug_names.NOT_NAMES)


def match_medication(name: str) -> MedicationMatch:
    """Resolve one entry as a patient or clinician wrote it and apply the RLS classes to its ingredients."""
    entry = drug_names.read_entry(name)
    ingredients = tuple(dict.fromkeys(normalise_ingredient(i) for hit in entry.hits for i in hit.ingredients))
    found = [(i, ingredient_class(i)) for i in ingredients]
    classes = tuple(dict.fromkeys(f"{m[0].label} ({m[1]})" for _i, m in found if m))
    dopaminergic = any(m and m[0].dopaminergic for _i, m in found)
    worsens = any(m and not m[0].dopaminergic for _i, m in found)
    if not entry.hits:
        state = MedicationRecognition.NOT_RECOGNISED  # "not sure of the name" is still to be checked
    elif entry.negated:
        state = MedicationRecognition.NOT_CURRENT
    elif dopaminergic:
        state = MedicationRecognition.DOPAMINERGIC
    elif worsens:
        state = MedicationRecognition.MAY_WORSEN_RLS
    elif entry.night_variant_of_brand or not all(hit.sure for hit in entry.hits):
        state = MedicationRecognition.NOT_RECOGNISED
    else:
        state = MedicationRecognition.NOT_FLAGGED
    current = state != MedicationRecognition.NOT_CURRENT
    how = "; ".join(
        f"{hit.written} -> {' + '.join(normalise_ingredient(i) for i in hit.ingredients)} "
        f"({'misspelling of ' + hit.matched + ', ' if hit.how == 'misspelling' else ''}{hit.source})"
        for hit in entry.hits
    )
    if classes:
        how += f"; classes: {CONTENT}"
    elif state == MedicationRecognition.NOT_RECOGNISED and not all(hit.sure for hit in entry.hits):
        how += "; an uncertain guess at a misspelling: check it"
    elif state == MedicationRecognition.NOT_RECOGNISED and entry.hits:
        how += "; a night-time variant the tables do not list: check its ingredients"
    return MedicationMatch(
        generic_name=" / ".join(ingredients) if ingredients else clean_name(name),
        is_dopaminergic=current and dopaminergic,
        may_worsen_rls=current and worsens,
        state=state,
        ingredients=ingredients,
        classes=classes,
        source=how or "no medicine name found",
        rule_version=RULESET.tag,
    )
