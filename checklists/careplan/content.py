"""Which version of the clinical content each rule module implements (shared/clinical-content.md).

The clinical content carries a version ("Version 2 (2026-12-01)"); every rule module and the default
library declare a ``Ruleset`` naming that version, their own revision and the sources they apply. Every
stored flag, lab note and augmentation finding keeps ``Ruleset.tag`` so a clinician can later see which
rules produced what was shown. Bump ``revision`` when the code's rule changes while the content does not;
bump ``CONTENT_VERSION`` (and review every ruleset) when the content file does.
"""

import datetime
from dataclasses import dataclass

CONTENT_VERSION = "2"
CONTENT_DATE = datetime.date(2026, 12, 1)


@dataclass(frozen=True)
class Ruleset:
    """One clinical rule module's declaration: what it implements, when it was last reviewed, from what."""

    name: str
    revision: int
    sources: tuple[str, ...]
    reviewed_on: datetime.date = CONTENT_DATE
    # The clinical content asks for the reviewer's role; none has been recorded for this version yet.
    reviewer_role: str = ""
    content_version: str = CONTENT_VERSION

    @property
    def tag(self) -> str:
        """Return the short label stored with each finding, e.g. "iron c2.r1" (content 2, revision 1)."""
        return f"{self.name} c{self.content_version}.r{self.revision}"
