"""The clinicians' workspace. Each module registers the admin for one topic."""

from checklists.admin import assignments, audit, careplan, clinics, library, patients, site  # noqa: F401
