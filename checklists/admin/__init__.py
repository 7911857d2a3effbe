"""The clinicians' workspace. Each module registers the admin for one topic."""

from checklists.admin import assignments, audit, careplan, library, patients, site  # noqa: F401
