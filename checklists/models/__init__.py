"""The checklist domain's models, split by topic; import them from here."""

from checklists.models.audit import AccessLog, AccountClosure
from checklists.models.careplan import (  # care plan
    DueFollowUp,
    FollowUp,
    LabResult,
    Medication,
    SeverityScore,
)
from checklists.models.checklists import (
    Assignment,
    AssignmentItem,
    ChecklistTemplate,
    CheckOff,
    TemplateItem,
)
from checklists.models.diary import DiaryEntry
from checklists.models.patients import Patient
from checklists.models.push import PushSubscription

# reminders
from checklists.models.reminders import Delivery, Notification, Reminder
from checklists.models.sessions import UserSession
from checklists.models.sync import SyncOp

__all__ = [
    "AccessLog",
    "AccountClosure",
    "Assignment",
    "AssignmentItem",
    "CheckOff",
    "ChecklistTemplate",
    "Delivery",
    "DiaryEntry",
    "DueFollowUp",
    "FollowUp",
    "LabResult",
    "Medication",
    "Notification",
    "Patient",
    "PushSubscription",
    "Reminder",
    "SeverityScore",
    "SyncOp",
    "TemplateItem",
    "UserSession",
]
