"""The clinicians' workspace. Each module registers the admin for one topic."""

from checklists.admin import audit, library, patients  # noqa: F401
