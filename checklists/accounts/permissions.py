"""What the Clinicians group may do in the admin: exactly these (app label, codename) pairs.

The group is brought in line after every ``migrate`` (see apps.py), so adding a model for
clinicians means adding its permissions here.
"""

CLINICIAN_PERMISSIONS: list[tuple[str, str]] = [
    ("checklists", "view_patient"),
    ("checklists", "add_patient"),
    ("checklists", "change_patient"),
    ("checklists", "view_checklisttemplate"),
    ("checklists", "view_templateitem"),
    ("checklists", "view_assignment"),
    ("checklists", "add_assignment"),
    ("checklists", "change_assignment"),
    ("checklists", "delete_assignment"),
    ("checklists", "view_assignmentitem"),
    ("checklists", "add_assignmentitem"),
    ("checklists", "change_assignmentitem"),
    ("checklists", "view_checkoff"),
    ("checklists", "view_diaryentry"),
    # care plan: clinicians plan and close follow-ups, enter labs, medications and IRLS totals; no deletes
    ("checklists", "view_followup"),
    ("checklists", "add_followup"),
    ("checklists", "change_followup"),
    ("checklists", "view_duefollowup"),
    ("checklists", "change_duefollowup"),
    ("checklists", "view_labresult"),
    ("checklists", "add_labresult"),
    ("checklists", "change_labresult"),
    ("checklists", "view_medication"),
    ("checklists", "add_medication"),
    ("checklists", "change_medication"),
    ("checklists", "view_severityscore"),
    ("checklists", "add_severityscore"),
    ("checklists", "change_severityscore"),
    # augmentation screening: the clinician picks a baseline and reviews findings (never adds or deletes one)
    ("checklists", "view_augmentationbaseline"),
    ("checklists", "add_augmentationbaseline"),
    ("checklists", "change_augmentationbaseline"),
    ("checklists", "delete_augmentationbaseline"),
    ("checklists", "view_augmentationfinding"),
    ("checklists", "change_augmentationfinding"),
    # security: the clinician sees which of their patients closed their account
    ("checklists", "view_accountclosure"),
]
