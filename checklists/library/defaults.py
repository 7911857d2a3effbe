"""The default checklist library, from shared/clinical-content.md; each item carries its source.

Installed by a data migration and by ``library_install_defaults()``; editing it here changes only
what a fresh install gets, never an existing patient's plan.
"""

from typing import TypedDict

from checklists.careplan.content import Ruleset

# The library as of clinical content version 2 (caffeine's evidence worded as the content words it); the
# migration 0010_clinical_governance brings existing installs' untouched items here.
RULESET = Ruleset(
    name="library",
    revision=1,
    sources=("Clinical content: Lifestyle-modification and Trigger-avoidance libraries, Vascular track",),
)


class ItemData(TypedDict):
    text: str
    help_text: str
    source: str


class TemplateData(TypedDict):
    name: str
    category: str
    description: str
    items: list[ItemData]


SILBER_2021 = "Silber 2021, Mayo Clin Proc"
COMMON_ADVICE = "Common advice; low-quality evidence"
GENERAL_ADVICE = "General advice"
KNOWN_TRIGGER = "Substance known to worsen RLS (class well established)"
LETTIERI_2009 = "Randomised, sham-controlled, n=35: Lettieri & Eliasson 2009, Chest"
KNOWN_TRIGGER_MEDICINES = "Medicines known to worsen RLS (classes well established)"
CAFFEINE_EVIDENCE = (
    "Common advice; the evidence on caffeine is mixed (Silber 2021 lists it among things to reduce)"
)

LIFESTYLE = TemplateData(
    name="Lifestyle modifications",
    category="lifestyle",
    description="Daily habits that help many people with restless legs. Your care team's plan.",
    items=[
        ItemData(
            text="Moderate exercise (aerobic and lower-body resistance, 3 times a week)",
            help_text="Avoid very strenuous exercise late in the evening.",
            source="Randomised trial: Aukerman 2006, PMID 16951298",
        ),
        ItemData(
            text="Stretching, leg massage or a warm bath before bed",
            help_text="",
            source=COMMON_ADVICE,
        ),
        ItemData(
            text="Keep a regular sleep schedule",
            help_text="Go to bed and get up at about the same times every day.",
            source=SILBER_2021,
        ),
        ItemData(
            text="A mentally alerting activity during evening rest (puzzle, reading)",
            help_text="",
            source=SILBER_2021,
        ),
        ItemData(
            text="Break up long periods of sitting",
            help_text="On long trips, get up and walk when you can.",
            source=COMMON_ADVICE,
        ),
        ItemData(
            text="Drink enough water and eat a balanced diet with iron-rich foods",
            help_text="",
            source=GENERAL_ADVICE,
        ),
    ],
)

TRIGGER_AVOIDANCE = TemplateData(
    name="Trigger avoidance",
    category="trigger_avoidance",
    description="Things that can make restless legs worse. Your care team's plan.",
    items=[
        ItemData(
            text="Cut down on caffeine, especially later in the day",
            help_text=(
                "Coffee, tea, cola, energy drinks and chocolate all contain caffeine. The evidence on "
                "caffeine is mixed, and a midday cut-off is a convention, not a finding."
            ),
            source=CAFFEINE_EVIDENCE,
        ),
        ItemData(text="No alcohol in the evening", help_text="", source=KNOWN_TRIGGER),
        ItemData(text="No nicotine", help_text="", source=KNOWN_TRIGGER),
        ItemData(
            text="Check any new medicine with your clinician or pharmacist",
            help_text=(
                "Including over-the-counter sleep aids and allergy or nausea medicines: sedating "
                "antihistamines and some anti-nausea drugs can worsen RLS. Discuss with your clinician "
                "before changing anything."
            ),
            source=KNOWN_TRIGGER_MEDICINES,
        ),
        ItemData(text="Avoid sleep deprivation", help_text="", source=COMMON_ADVICE),
        ItemData(text="Avoid long inactivity in the evening", help_text="", source=COMMON_ADVICE),
    ],
)

COMPRESSION = TemplateData(
    name="Compression therapy",
    category="other",
    description="For patients whose specialist prescribed a compression device or stockings.",
    items=[
        ItemData(
            text="Use the compression device as prescribed, before your usual symptom time",
            help_text="Follow your specialist's instructions for how long and when.",
            source=LETTIERI_2009,
        ),
        ItemData(
            text="Wear compression stockings as prescribed",
            help_text="Your vascular specialist's plan.",
            source="Your specialist's plan (evidence for RLS relief is weak)",
        ),
    ],
)

DEFAULT_TEMPLATES: list[TemplateData] = [LIFESTYLE, TRIGGER_AVOIDANCE, COMPRESSION]

# Fluid advice ("drink enough water") must not be given to a patient on dialysis or with heart failure:
# for them the item is replaced by the care team's own fluid advice (shared/clinical-content.md "Patient
# conditions"; checklists/careplan/conditions.py). FLUID_ITEM_TEXTS lists every wording of the general
# fluid item the library has shipped, so a checklist assigned from any of them is recognised.
FLUID_ITEM_TEXTS: tuple[str, ...] = ("Drink enough water and eat a balanced diet with iron-rich foods",)
CARE_TEAM_FLUID_ADVICE = ItemData(
    text="Follow your care team's fluid advice",
    help_text="How much to drink is part of your care team's plan for you.",
    source="Clinical content v2: no general fluid advice on dialysis or with heart failure",
)
