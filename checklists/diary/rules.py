"""The diary entry's bounds, as the DiaryEntry model has them."""

# Diary fields an op carries, with the same bounds as the DiaryEntry model.
DIARY_SCALE_MAX = 10
DIARY_NOTE_MAX_LENGTH = 2000
DIARY_FIELDS = ("severity", "sleep_quality", "onset_time", "arms_involved", "note")
