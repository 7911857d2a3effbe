"""Medicine names as patients and pharmacies write them -> generic ingredients (no RLS rule here).

The names come from a maintained drug dictionary, Fast Data Science's ``drug-named-entity-recognition``
(MIT licence; about 107,000 brand names, generic names and synonyms from DrugBank, MeSH, MedlinePlus,
the NHS and Wikipedia, resolved to about 20,000 generic names), read offline from the data file the
package ships. A small curated table (``data/drug_names_supplement.csv``, each row with its public
source) adds what the dictionary lacks: combination products (Tylenol PM, NyQuil, Night Nurse,
Sinemet...), a few UK brands, and the substances of the clinical content (alcohol, caffeine, nicotine).

How an entry is read:

- accents are folded, everything is lower case, and letters and digits are split ("Mirapex0.25" reads
  "mirapex 0.25"); strengths, units and dose forms are never names;
- the longest run of words that is a known name wins ("benzyl alcohol" before "alcohol", "Tylenol PM"
  before "Tylenol"); the curated table is looked up before the dictionary;
- a word that is no known name and is at least ``FUZZY_MIN_LENGTH`` letters long may be a misspelling:
  it resolves to the one dictionary name within ``fuzzy_distance`` edits starting with the same letter
  ("sertaline", "ropinerole", "Sertralin"); two different candidates at the same distance resolve to
  nothing (the entry is then "not recognised: check it", never safe);
- a substance followed by a word that makes it a thing and not an intake ("alcohol-free",
  "lithium-ion", "alcohol wipes") is no ingredient;
- negation and past-tense cue words ("not on", "stopped ... in 2023", "previously", "no longer") mark
  the entry as not a current medicine.

The dictionary is loaded once per process (about 0.3 s, see bench/medication_recognition.py) and kept.
"""

import bz2
import csv
import importlib.metadata
import importlib.util
import itertools
import pickle  # the data file shipped in the pinned package, never user input
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from functools import cache
from pathlib import Path

DICTIONARY_PACKAGE = "drug_named_entity_recognition"
DICTIONARY_DISTRIBUTION = "drug-named-entity-recognition"
DICTIONARY_FILE = "drug_ner_dictionary.pkl.bz2"
SUPPLEMENT_FILE = Path(__file__).parent / "data" / "drug_names_supplement.csv"

# Misspellings: a word this long or longer may be matched within a small edit distance. Shorter words
# are too close to other names and to ordinary words to guess safely.
FUZZY_MIN_LENGTH = 6
# At or above this length a word may be two edits away ("amitryptiline" is one, "mirtazepine" one,
# "setraline" one; "sertralina" one); below it, one edit.
FUZZY_TWO_EDITS_FROM = 10
# A misspelling that resolves to a medicine no class flags is trusted only if the word is this long and
# one edit away; otherwise the entry is "not recognised: check it" ("Movicol" is not "Movicox"), since a
# wrong guess would show an unknown medicine as safe. A guess that raises a flag only asks for review.
SURE_GUESS_MIN_LENGTH = 8


def word_set(text: str) -> frozenset[str]:
    """Return the whitespace-separated words of ``text`` as a set (for the word lists below)."""
    return frozenset(text.split())


# Words that are never a medicine name, nor a misspelling of one: strengths, units, forms, release
# types, salts, packaging and common words on medication lists.
NOT_NAMES = word_set(
    """
    mg mcg ug g kg ml l iu unit units mmol microgram micrograms milligram milligrams gram grams h hr
    hrs hour hours day days daily night nightly nighttime night-time morning evening bedtime week
    weekly tab tabs tablet tablets cap caps capsule capsules liquicaps softgel softgels gel gels
    caplet caplets patch patches cream ointment drops drop solution suspension syrup liquid elixir
    spray inhaler injection infusion sachet sachets lozenge lozenges gum powder granules film oral
    topical transdermal sublingual buccal nasal chewable dispersible effervescent orodispersible
    melt melts xl xr sr cr er la mr ir odt ds prolonged modified extended immediate release retard
    depot once twice three four times a an and or with without of the for to as at in on by per if
    when needed prn take takes taking taken dose doses dosage half one two total max maximum
    hydrochloride hcl hydrobromide hbr maleate succinate tartrate bitartrate carbonate citrate
    mesylate mesilate sulfate sulphate fumarate besylate besilate acetate sodium potassium calcium
    magnesium phosphate chloride dihydrochloride monohydrate hemihydrate anhydrous salt base
    decanoate palmitate pamoate embonate enanthate lauroxil strength extra maximum max plus forte
    original regular junior children child adult adults relief relieve pain cold flu cough sleep aid
    sleeping allergy allergies hayfever hay fever nausea brand generic otc prescription prescribed
    private pharmacy chemist supermarket
    """
)

# A substance followed by one of these is a thing, not an intake ("alcohol-free", "lithium-ion").
NON_INTAKE_FOLLOWERS = word_set(
    """
    free ion ions battery batteries wipe wipes swab swabs hand rub sanitiser sanitizer grease
    """
)

# Words that make the entry a negated or past one ("not on Mirapex", "stopped sertraline in 2023").
NEGATION_CUES = word_set(
    """
    not never none stopped discontinued ceased previously formerly past ex weaned tapered allergic
    allergy intolerant intolerance declined refused
    """
)
# "not" in an instruction is no negation of the medicine ("do not crush", "must not drive").
INSTRUCTION_BEFORE_NOT = word_set("do does must should may can")
# Night-time and sleep variants of a brand usually add a sedating antihistamine ("Tylenol PM", "Advil
# PM", "NyQuil", "Night Nurse"); such a variant that the table does not list is checked, never safe.
NIGHT_VARIANT_WORDS = word_set("pm night nighttime nite nightime sleep zzz")
# ...but "at night", "every night", "before sleep" say when it is taken, not which product it is.
NIGHT_TIMING_BEFORE = word_set("at every each per a by before for nightly")

NEGATION_PHRASES = (
    ("no", "longer"),
    ("no", "more"),
    ("used", "to"),
    ("came", "off"),
    ("come", "off"),
    ("off", "since"),
    ("was", "on"),
    ("were", "on"),
)

_WORD = re.compile(r"[a-z]+|\d+(?:[.,]\d+)?")


@dataclass(frozen=True)
class NameHit:
    """One name found in an entry: the words as written, what they resolved to, and how."""

    written: str
    ingredients: tuple[str, ...]
    how: str  # "supplement", "dictionary" or "misspelling"
    matched: str  # the known name it resolved to
    source: str  # the supplement row's source, or the dictionary's name and version
    distance: int = 0  # edits between what was written and the known name (misspellings)

    @property
    def sure(self) -> bool:
        """A misspelling is a sure match only when long and one edit away ("gabapentine", "trazadone")."""
        return self.how != "misspelling" or (
            self.distance <= 1 and len(self.written) >= SURE_GUESS_MIN_LENGTH
        )


@dataclass(frozen=True)
class ReadEntry:
    hits: tuple[NameHit, ...]
    negated: bool
    unresolved_words: tuple[str, ...]
    free_words: tuple[str, ...] = ()  # the words that are not part of a name found

    night_variant: bool = False  # a night-time word in a brand's product name ("Alka-Seltzer Plus Night")

    @property
    def night_variant_of_brand(self) -> bool:
        """A brand written with a night-time word no table row includes ("Alka-Seltzer Plus Night")."""
        brands = [h for h in self.hits if h.how == "dictionary" and h.matched not in h.ingredients]
        return bool(brands) and self.night_variant


def fold(text: str) -> str:
    """Return ``text`` lower-cased with accents dropped ("Céléxa" -> "celexa")."""
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()


def words(text: str) -> tuple[str, ...]:
    """Return the words and numbers of ``text``; letters and digits are split ("mirapex0.25")."""
    return tuple(_WORD.findall(fold(text)))


def _name_key(name: str) -> tuple[str, ...]:
    return words(name)


def ingredient_names(canonical: str) -> tuple[str, ...]:
    """Split a dictionary or table name into its ingredients ("levodopa and carbidopa", "x; y")."""
    text = re.sub(r"\([^)]*\)", " ", canonical.lower())
    parts = re.split(r";|,|/|\+| and | with ", text)
    result = []
    for part in parts:
        kept = [w for w in part.split() if w not in _FORM_WORDS]
        if kept:
            result.append(" ".join(kept))
    return tuple(dict.fromkeys(result))


# Dose-form words the dictionary keeps in some of its generic names ("rotigotine patch", "nicotine gum").
_FORM_WORDS = word_set(
    """
    patch gum sublingual injection injectable oral tablets tablet transdermal topical inhalation
    lozenge spray nasal extended-release extended release er xr
    """
)


@dataclass(frozen=True)
class _Dictionary:
    exact: dict[tuple[str, ...], tuple[tuple[str, ...], str, str]]  # key -> ingredients, how, source
    longest: int
    # single-word dictionary names by (first letter, length), for misspellings
    buckets: dict[tuple[str, int], list[str]]
    version: str


def dictionary_version() -> str:
    try:
        return importlib.metadata.version(DICTIONARY_DISTRIBUTION)
    except importlib.metadata.PackageNotFoundError:  # pragma: no cover - the pinned requirement
        return "missing"


def _dictionary_path() -> Path:
    spec = importlib.util.find_spec(DICTIONARY_PACKAGE)  # finds the package without importing it
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(f"{DICTIONARY_DISTRIBUTION} is not installed (requirements.txt)")
    return Path(next(iter(spec.submodule_search_locations))) / DICTIONARY_FILE


def supplement_rows() -> list[dict[str, str]]:
    with SUPPLEMENT_FILE.open(newline="", encoding="utf-8") as handle:
        return [row for row in csv.DictReader(handle) if row["name"] and not row["name"].startswith("#")]


@cache
def load() -> _Dictionary:
    """Load the dictionary and the curated table once per process."""
    version = dictionary_version()
    dictionary_source = f"drug dictionary ({DICTIONARY_DISTRIBUTION} {version})"
    with bz2.open(_dictionary_path(), "rb") as handle:
        data = pickle.load(handle)  # the pinned package's own data file
    exact: dict[tuple[str, ...], tuple[tuple[str, ...], str, str]] = {}
    for variant, canonicals in data["drug_variant_to_canonical"].items():
        key = _name_key(variant)
        if not key or (len(key) == 1 and (len(key[0]) < 4 or key[0] in NOT_NAMES or key[0][0].isdigit())):
            continue
        ingredients: list[str] = []
        for canonical in canonicals:
            ingredients.extend(ingredient_names(canonical))
        if ingredients:
            exact[key] = (tuple(dict.fromkeys(ingredients)), "dictionary", dictionary_source)
    for row in supplement_rows():
        exact[_name_key(row["name"])] = (ingredient_names(row["ingredients"]), "supplement", row["source"])
    buckets: dict[tuple[str, int], list[str]] = defaultdict(list)
    for key in exact:
        if len(key) == 1 and len(key[0]) >= FUZZY_MIN_LENGTH - 1:
            buckets[(key[0][0], len(key[0]))].append(key[0])
    return _Dictionary(
        exact=exact, longest=max(len(k) for k in exact), buckets=dict(buckets), version=version
    )


def edit_distance(a: str, b: str, limit: int) -> int:
    """Optimal string alignment distance (a swap of two neighbours is one edit); ``limit + 1`` if over."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous_previous: list[int] = []
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, start=1):
        current = [i] + [0] * len(b)
        for j, char_b in enumerate(b, start=1):
            cost = 0 if char_a == char_b else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and char_a == b[j - 2] and a[i - 2] == char_b:
                current[j] = min(current[j], previous_previous[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        previous_previous, previous = previous, current
    return previous[-1]


def fuzzy_distance(word: str) -> int:
    return 2 if len(word) >= FUZZY_TWO_EDITS_FROM else 1


def closest_name(word: str) -> str | None:
    """Return the one dictionary name a misspelt ``word`` most likely means, or None if none or unsure."""
    if len(word) < FUZZY_MIN_LENGTH or word in NOT_NAMES or not word.isalpha():
        return None
    dictionary = load()
    limit = fuzzy_distance(word)
    best: dict[int, set[str]] = defaultdict(set)
    for length in range(len(word) - limit, len(word) + limit + 1):
        for candidate in dictionary.buckets.get((word[0], length), ()):
            distance = edit_distance(word, candidate, limit)
            if distance <= limit:
                best[distance].add(candidate)
    if not best:
        return None
    closest = best[min(best)]
    by_ingredients = {dictionary.exact[(c,)][0] for c in closest}
    if len(by_ingredients) != 1:
        return None  # two different medicines equally close: do not guess
    return sorted(closest)[0]


def _negated(free_words: list[str]) -> bool:
    """Whether the words of an entry that are not part of a medicine name negate it or put it past."""
    for index, word in enumerate(free_words):
        instruction = word == "not" and index > 0 and free_words[index - 1] in INSTRUCTION_BEFORE_NOT
        if word in NEGATION_CUES and not instruction:
            return True
    pairs = set(itertools.pairwise(free_words))
    return any(phrase in pairs for phrase in NEGATION_PHRASES)


def _skippable(word: str) -> bool:
    return word[0].isdigit() or word in NOT_NAMES or word in NEGATION_CUES


def read_entry(text: str) -> ReadEntry:
    """Find every medicine name in one medication-list entry, longest known name first."""
    dictionary = load()
    entry_words = words(text)
    hits: list[NameHit] = []
    unresolved: list[str] = []
    free_words: list[str] = []  # words that are not part of a name: strengths, cues, unknown words
    position = 0
    while position < len(entry_words):
        word = entry_words[position]
        longest = min(dictionary.longest, len(entry_words) - position)
        for size in range(longest, 0, -1):
            key = entry_words[position : position + size]
            found = dictionary.exact.get(key)
            if found is None or (size == 1 and _skippable(word)):
                continue
            following = entry_words[position + size] if position + size < len(entry_words) else ""
            if following in NON_INTAKE_FOLLOWERS:
                # "alcohol-free", "lithium-ion": a thing, not an intake
                unresolved.append(" ".join((*key, following)))
                position += size + 1
                break
            ingredients, how, source = found
            hits.append(NameHit(" ".join(key), ingredients, how, " ".join(key), source))
            position += size
            break
        else:
            close = None if _skippable(word) else closest_name(word)
            if close is not None:
                ingredients, _how, source = dictionary.exact[(close,)]
                distance = edit_distance(word, close, fuzzy_distance(word))
                hits.append(NameHit(word, ingredients, "misspelling", close, source, distance))
            else:
                free_words.append(word)
                if not _skippable(word):
                    unresolved.append(word)
            position += 1
    return ReadEntry(
        hits=tuple(hits),
        negated=_negated(free_words),
        unresolved_words=tuple(unresolved),
        free_words=tuple(free_words),
        night_variant=_night_variant(entry_words),
    )


def _night_variant(entry_words: tuple[str, ...]) -> bool:
    """A night-time word in the product name: before any strength, and not a time ("at night")."""
    for index, word in enumerate(entry_words):
        if word[0].isdigit():
            return False
        before = entry_words[index - 1] if index else ""
        if word in NIGHT_VARIANT_WORDS and index and before not in NIGHT_TIMING_BEFORE:
            return True
    return False
