"""What patients read, as the clinical content words it: the medication note, the safety net, the library."""

import re

from django.utils.functional import Promise

from checklists.careplan import wording
from checklists.library.defaults import DEFAULT_TEMPLATES
from frontend.strings import catalog


def patient_texts() -> list[str]:
    """Return every text of wording.py a patient reads (its translatable strings and the safety lines)."""
    texts = [str(value) for value in vars(wording).values() if isinstance(value, Promise)]
    for title, lines in wording.SAFETY_SITUATIONS.values():
        texts += [str(title), *map(str, lines)]
    return texts


def test_the_medication_note_leads_with_keep_taking_your_medicines() -> None:
    note = str(wording.MEDICATION_REVIEW_NOTE)
    assert note.startswith("Keep taking your medicines as prescribed.")
    assert note.endswith("discuss it with your clinician before changing anything.")
    assert "can make restless legs worse for some people" in note


def test_nothing_a_patient_reads_says_stop_or_gives_a_dose() -> None:
    for text in patient_texts():
        assert not re.search(r"\bstop", text, re.IGNORECASE), text
        assert not re.search(r"\d+\s*(mg|mcg|µg)\b", text), text


def test_the_safety_net_says_the_app_is_not_watched_in_real_time() -> None:
    assert str(wording.SAFETY_NOT_WATCHED) == (
        "The app is not watched in real time: nothing typed into it reaches a clinician at once."
    )
    assert "crisis line" in str(wording.SAFETY_SELF_HARM)


def test_each_situation_has_its_lines_from_the_content() -> None:
    _, vein = wording.SAFETY_SITUATIONS["vein_procedure"]
    assert "contact the vein team the same day" in str(vein[0])
    assert str(vein[1]) == "Chest pain or sudden breathlessness: call emergency services."
    _, infusion = wording.SAFETY_SITUATIONS["iron_infusion"]
    assert "tell the staff at once, or call emergency services if at home" in str(infusion[0])
    dopamine_title, dopamine = wording.SAFETY_SITUATIONS["dopamine_medicine"]
    assert "pramipexole, ropinirole, rotigotine or levodopa" in str(dopamine_title)
    assert "(possible augmentation)" in str(dopamine[0])


def test_the_page_carries_every_safety_line_so_the_screen_works_offline() -> None:
    strings = catalog()
    assert strings["safety.title"] == "When to seek care now"
    assert strings["safety.notWatched"] == str(wording.SAFETY_NOT_WATCHED)
    for key, (title, lines) in wording.SAFETY_SITUATIONS.items():
        assert strings[f"safety.{key}.title"] == str(title)
        assert strings[f"safety.{key}.lines"] == "\n".join(str(line) for line in lines)


def test_every_library_item_says_what_its_evidence_is() -> None:
    for template in DEFAULT_TEMPLATES:
        for item in template["items"]:
            assert item["source"], item["text"]
    caffeine = next(i for t in DEFAULT_TEMPLATES for i in t["items"] if "caffeine" in i["text"].lower())
    assert "mixed" in caffeine["source"] and "Silber 2021" in caffeine["source"]
