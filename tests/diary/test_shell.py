"""The app shell hands the phone the diary's rules from their one definition."""

import html
import json
import re

from checklists.diary.rules import DIARY_NOTE_MAX_LENGTH, NIGHT_STARTS_AT


def test_the_shell_carries_the_night_cut_and_the_note_limit(client, patient):
    client.force_login(patient.user)
    page = client.get("/").content.decode()
    match = re.search(r'data-diary="([^"]*)"', page)
    assert match, "the shell has no data-diary"
    assert json.loads(html.unescape(match.group(1))) == {
        "night_starts_at": NIGHT_STARTS_AT.strftime("%H:%M"),
        "note_max_length": DIARY_NOTE_MAX_LENGTH,
    }
