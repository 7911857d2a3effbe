"""The checklist domain's models, split by topic; import them from here."""

from checklists.models.audit import AccessLog, AccountClosure
from checklists.models.augmentation import AugmentationBaseline, AugmentationFinding
from checklists.models.careplan import (  # care plan
    DueFollowUp,
    FollowUp,
    LabNote,
    LabResult,
    Medication,
    MedicationFinding,
    SeverityScore,
)
from checklists.models.checklists import (
    Assignment,
    AssignmentItem,
    ChecklistTemplate,
    CheckOff,
    TemplateItem,
)
from checklists.models.clinics import Clinic, ClinicMembership
from checklists.models.diary import DiaryEntry
from checklists.models.intake import IntakeRecord
from checklists.models.patients import Patient
from checklists.models.push import PushSubscription

# reminders
from checklists.models.reminders import Delivery, Notification, Reminder
from checklists.models.sessions import UserSession
from checklists.models.sync import SyncOp
from checklists.models.worklist import WorklistReview

__all__ = [
    "AccessLog",
    "AccountClosure",
    "Assignment",
    "AssignmentItem",
    "AugmentationBaseline",
    "AugmentationFinding",
    "CheckOff",
    "ChecklistTemplate",
    "Clinic",
    "ClinicMembership",
    "Delivery",
    "DiaryEntry",
    "DueFollowUp",
    "FollowUp",
    "IntakeRecord",
    "LabNote",
    "LabResult",
    "Medication",
    "MedicationFinding",
    "Notification",
    "Patient",
    "PushSubscription",
    "Reminder",
    "SeverityScore",
    "SyncOp",
    "TemplateItem",
    "UserSession",
    "WorklistReview",
]
