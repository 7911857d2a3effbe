"""Reads of the checklist domain: keyword-only functions named for what they return."""

# --- care plan ---
from checklists.careplan.selectors import care_flags_for_patients, care_plan_for

__all__ = ["care_flags_for_patients", "care_plan_for"]
