"""Medication names -> generic name and the two RLS flags (dopaminergic, may worsen RLS).

The generic names and classes are the lists in shared/clinical-content.md (AASM 2024 for the dopaminergic
drugs; "medications and substances that can worsen RLS" for the rest). Brand names are only a matching aid
so that "Zoloft 50mg" is recognised as sertraline; they add no medical claim.

Matching is by whole words, so "desvenlafaxine" is not venlafaxine and "ropivacaine" is not ropinirole:
the name is lower-cased, accents and punctuation are dropped, and a known name must appear as a run of
whole words (strength, salt and form words around it are ignored).
"""

import re
import unicodedata
from dataclasses import dataclass

DOPAMINERGIC: dict[str, list[str]] = {
    # generic: brand names
    "pramipexole": ["mirapex", "mirapexin", "sifrol"],
    "ropinirole": ["requip", "adartrel"],
    "rotigotine": ["neupro"],
    "levodopa": ["sinemet", "madopar", "stalevo", "rytary", "co-careldopa", "co-beneldopa"],
}

MAY_WORSEN_RLS: dict[str, list[str]] = {
    # sedating antihistamines
    "diphenhydramine": ["benadryl", "nytol", "sominex"],
    "chlorpheniramine": ["chlorphenamine", "piriton", "chlor-trimeton"],
    "doxylamine": ["unisom"],
    "hydroxyzine": ["atarax", "vistaril", "ucerax"],
    "promethazine": ["phenergan"],
    # serotonergic antidepressants
    "fluoxetine": ["prozac"],
    "sertraline": ["zoloft", "lustral"],
    "paroxetine": ["paxil", "seroxat"],
    "citalopram": ["celexa", "cipramil"],
    "escitalopram": ["lexapro", "cipralex"],
    "venlafaxine": ["effexor"],
    "duloxetine": ["cymbalta"],
    "amitriptyline": ["elavil"],
    "mirtazapine": ["remeron", "zispin"],
    "mianserin": [],
    # dopamine-blocking anti-nausea drugs
    "metoclopramide": ["reglan", "maxolon"],
    "prochlorperazine": ["stemetil", "compazine", "buccastem"],
    # antipsychotics
    "olanzapine": ["zyprexa"],
    "quetiapine": ["seroquel"],
    "haloperidol": ["haldol"],
    "lurasidone": ["latuda"],
    "risperidone": ["risperdal"],
    # lithium
    "lithium": ["priadel", "camcolit", "lithobid"],
    # substances
    "alcohol": [],
    "caffeine": [],
    "nicotine": ["nicorette", "niquitin"],
}

# Strength and dose-form words that may follow a name ("Zoloft 50mg", "Neupro 2 mg/24 h patch").
_STRENGTH = re.compile(r"\d+(?:[.,]\d+)?\s*(?:mg|mcg|ug|µg|g|ml|%|iu|units?)?(?:\s*/\s*\d*\s*(?:h|hr|ml))?")
_WORD = re.compile(r"[a-z0-9]+")


@dataclass(frozen=True)
class MedicationMatch:
    generic_name: str
    is_dopaminergic: bool
    may_worsen_rls: bool


def _words(text: str) -> tuple[str, ...]:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return tuple(_WORD.findall(folded))


def _build_index() -> dict[tuple[str, ...], tuple[str, bool, bool]]:
    index: dict[tuple[str, ...], tuple[str, bool, bool]] = {}
    for table, dopaminergic in ((DOPAMINERGIC, True), (MAY_WORSEN_RLS, False)):
        for generic, brands in table.items():
            for name in [generic, *brands]:
                index[_words(name)] = (generic, dopaminergic, not dopaminergic)
    return index


_INDEX = _build_index()
_LONGEST = max(len(key) for key in _INDEX)


def clean_name(name: str) -> str:
    """Return ``name`` lower-cased, single-spaced, strength removed ("Zoloft  50mg" -> "zoloft")."""
    without_strength = _STRENGTH.sub(" ", name.lower())
    return " ".join(without_strength.split())


def match_medication(name: str) -> MedicationMatch:
    """Return the generic name and flags for a medication name as a patient or clinician typed it.

    A known generic or brand must appear as whole words; the first one found (longest first) gives the
    generic name. An unknown name keeps its cleaned form as its generic name and raises neither flag.
    """
    words = _words(name)
    found: list[str] = []
    dopaminergic = worsens = False
    position = 0
    while position < len(words):
        for size in range(min(_LONGEST, len(words) - position), 0, -1):
            hit = _INDEX.get(words[position : position + size])
            if hit:
                generic, is_dopaminergic, is_worsening = hit
                found.append(generic)
                dopaminergic |= is_dopaminergic
                worsens |= is_worsening
                position += size
                break
        else:
            position += 1
    generic_name = " / ".join(dict.fromkeys(found)) if found else clean_name(name)
    return MedicationMatch(generic_name=generic_name, is_dopaminergic=dopaminergic, may_worsen_rls=worsens)
