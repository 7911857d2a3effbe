from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from checklists.plan.rules import EVERY_DAY, WEEKLY_TARGET_MAX, describe_mask


class Category(models.TextChoices):
    LIFESTYLE = "lifestyle", _("Lifestyle modification")
    TRIGGER_AVOIDANCE = "trigger_avoidance", _("Trigger avoidance")
    OTHER = "other", _("Other")


class ChecklistTemplate(models.Model):
    """A checklist in the clinicians' library, copied into a patient's plan when assigned."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    category = models.CharField(_("category"), max_length=32, choices=Category.choices)
    description = models.TextField(_("description"), blank=True)
    # Empty: the read-only default library every clinic sees; else one clinic's own (its lead clinicians').
    clinic = models.ForeignKey(
        "checklists.Clinic",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="templates",
        verbose_name=_("clinic"),
        help_text=_("Empty: the default library, seen by every clinic."),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class TemplateItem(models.Model):
    """One line of a library checklist, with the source a clinician can judge it by."""

    template = models.ForeignKey(ChecklistTemplate, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveIntegerField(_("position"), default=0)
    text = models.CharField(_("text"), max_length=200)
    help_text = models.TextField(_("help text"), blank=True)
    source = models.CharField(_("source"), max_length=300, blank=True)

    class Meta:
        ordering = ["template", "position", "id"]

    def __str__(self) -> str:
        return self.text


class Assignment(models.Model):
    """A checklist in one patient's plan: a copy of a template, due on a schedule."""

    patient = models.ForeignKey("checklists.Patient", on_delete=models.CASCADE, related_name="assignments")
    template = models.ForeignKey(
        ChecklistTemplate,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assignments",
        help_text=_("The library checklist this was copied from; later library edits do not change it."),
    )
    name = models.CharField(_("name"), max_length=120)
    category = models.CharField(_("category"), max_length=32, choices=Category.choices)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"), null=True, blank=True)
    weekdays = models.PositiveSmallIntegerField(
        _("weekdays"),
        default=EVERY_DAY,
        help_text=_("The days of the week this checklist is due."),
    )
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["patient", "start_date", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_date__isnull=True) | models.Q(end_date__gte=models.F("start_date")),
                name="assignment_end_after_start",
            ),
            models.CheckConstraint(
                condition=models.Q(weekdays__gte=1, weekdays__lte=EVERY_DAY),
                name="assignment_weekdays_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.end_date and self.start_date and self.end_date < self.start_date:
            raise ValidationError({"end_date": _("The end date cannot be before the start date.")})
        if not self.weekdays:
            raise ValidationError({"weekdays": _("Choose at least one day of the week.")})

    @property
    def schedule_display(self) -> str:
        return describe_mask(self.weekdays)


class AssignmentItem(models.Model):
    """One line of a patient's checklist; retired items keep their history but are no longer due."""

    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="items")
    template_item = models.ForeignKey(
        TemplateItem, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    position = models.PositiveIntegerField(_("position"), default=0)
    text = models.CharField(_("text"), max_length=200)
    help_text = models.TextField(_("help text"), blank=True)
    source = models.CharField(_("source"), max_length=300, blank=True)
    retired_at = models.DateTimeField(_("retired at"), null=True, blank=True)
    # An item added to a running plan is due from the day it was added, not from the plan's start.
    due_from = models.DateField(
        _("due from"), null=True, blank=True, help_text=_("Empty: from the checklist's start date.")
    )
    # "Exercise 3 times a week": owed N times per Monday-Sunday week (plan.rules.count_adherence).
    weekly_target = models.PositiveSmallIntegerField(
        _("times a week"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(WEEKLY_TARGET_MAX)],
        help_text=_(
            "Empty: every day the checklist runs. 1-7: the patient may tick it any of those days, and a "
            "week with this many ticks is complete."
        ),
    )

    class Meta:
        ordering = ["assignment", "position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(weekly_target__isnull=True)
                | models.Q(weekly_target__gte=1, weekly_target__lte=WEEKLY_TARGET_MAX),
                name="assignmentitem_weekly_target_1_7",
            )
        ]

    def __str__(self) -> str:
        return self.text


class CheckOff(models.Model):
    """Whether one item was done on one patient-local date; the unit the offline sync works on."""

    # No index of its own: the unique (item, date) leads with it.
    item = models.ForeignKey(
        AssignmentItem, on_delete=models.CASCADE, related_name="checkoffs", db_index=False
    )
    # Denormalised from item.assignment.patient: every read and sync query filters by patient. No index
    # of its own: the (patient, date) and (patient, seq) indexes lead with it, and a planner picking a
    # patient-only index reads all of a patient's history (tests/api/test_query_plans.py).
    patient = models.ForeignKey(
        "checklists.Patient", on_delete=models.CASCADE, related_name="checkoffs", db_index=False
    )
    date = models.DateField(_("date"))
    done = models.BooleanField(_("done"), default=False)
    # Last-writer-wins bookkeeping for offline sync: the client's op id and clock of the winning change.
    op_id = models.UUIDField(null=True, blank=True, editable=False)
    client_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Server change sequence (Patient.sync_seq at the time of the write): "changes since cursor".
    seq = models.BigIntegerField(default=0, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["date", "item"]
        constraints = [models.UniqueConstraint(fields=["item", "date"], name="checkoff_one_per_item_and_day")]
        indexes = [
            models.Index(fields=["patient", "seq"], name="checkoff_patient_seq"),
            models.Index(fields=["patient", "date"], name="checkoff_patient_date"),
        ]

    def __str__(self) -> str:
        return f"{self.item} on {self.date}: {'done' if self.done else 'not done'}"
