"""Reminders: when to nudge a patient, what was sent for each slot, and the in-app notification feed.

The database is the dispatch queue: ``Reminder.next_fire_at`` says when a reminder is next due, the
sweep (``checklists.reminders.dispatch.reminders_sweep``) claims due rows and writes one ``Delivery`` per
(reminder, slot), and send tasks deliver them grouped per patient and slot.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from checklists.plan.rules import EVERY_DAY

# The repeats of a slot when the patient turns "remind again" on (at most REMINDER_REPEAT_MAX_TIMES).
REPEAT_DEFAULT_TIMES = 3


class ReminderKind(models.TextChoices):
    ASSIGNMENT = "assignment", _("Checklist")
    DIARY = "diary", _("Diary")
    MEDICATION = "medication", _("Medication time")
    FOLLOW_UP = "follow_up", _("Follow-up")


class Reminder(models.Model):
    """One reminder of a patient: a local time of day on some weekdays (or one date), and its target."""

    patient = models.ForeignKey("checklists.Patient", on_delete=models.CASCADE, related_name="reminders")
    kind = models.CharField(_("kind"), max_length=16, choices=ReminderKind.choices)
    assignment = models.ForeignKey(
        "checklists.Assignment",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="reminders",
        help_text=_("The checklist this reminds about (kind 'assignment')."),
        db_index=False,  # a partial index below: most reminders have none, and the sweep updates every row
    )
    # The care plan's follow-up this reminds about (kind 'follow_up'); see reminders_for_follow_up().
    follow_up = models.ForeignKey(
        "checklists.FollowUp",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="reminders",
        db_index=False,  # the partial index below: most reminders have none
    )
    # The medicine and dose time this reminds about (kind 'medication'); made from the medicine's
    # schedule by medication_reminders_sync(). The name is shown in the app only, never sent.
    medication = models.ForeignKey(
        "checklists.Medication",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="reminders",
        db_index=False,  # the unique constraint below serves the lookups
    )
    dose_time = models.TimeField(
        _("dose time"), null=True, blank=True, help_text=_("The scheduled dose time (kind 'medication').")
    )
    label = models.CharField(
        _("label"),
        max_length=80,
        blank=True,
        help_text=_("Shown in the app only; never sent in a push notification or email."),
    )
    local_time = models.TimeField(_("local time"), help_text=_("Wall-clock time in the patient's zone."))
    weekdays = models.PositiveSmallIntegerField(_("weekdays"), default=EVERY_DAY)
    on_date = models.DateField(
        _("on date"), null=True, blank=True, help_text=_("Fire once, on this local date, instead of weekly.")
    )
    active = models.BooleanField(_("active"), default=True)
    only_if_not_done = models.BooleanField(
        _("only if not done yet"),
        default=True,
        help_text=_("Skip the reminder when its tasks are already done when it is due."),
    )
    snoozed_until = models.DateTimeField(_("snoozed until"), null=True, blank=True)
    # "Remind again until done": every N minutes (one of REMINDER_REPEAT_EVERY_MINUTES), at most
    # repeat_max_times times; null = off. repeat_round is the round of the slot in next_fire_at
    # (0 = a regular slot, k = the k-th repeat).
    repeat_every_minutes = models.PositiveSmallIntegerField(
        _("repeat every (minutes)"), null=True, blank=True
    )
    repeat_max_times = models.PositiveSmallIntegerField(
        _("repeat at most (times)"), default=REPEAT_DEFAULT_TIMES
    )
    repeat_round = models.PositiveSmallIntegerField(default=0, db_default=0, editable=False)
    # When the sweep next fires this reminder (UTC); null when it never will (inactive or past).
    next_fire_at = models.DateTimeField(_("next fire at"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["patient", "local_time", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(weekdays__gte=1, weekdays__lte=EVERY_DAY),
                name="reminder_weekdays_valid",
            ),
            models.CheckConstraint(
                condition=~models.Q(kind="assignment") | models.Q(assignment__isnull=False),
                name="reminder_assignment_kind_has_assignment",
            ),
            models.UniqueConstraint(
                fields=["medication", "dose_time"],
                condition=models.Q(medication__isnull=False),
                name="reminder_once_per_dose_time",
            ),
        ]
        indexes = [
            # The sweep's queue: only rows that can fire are in the index.
            models.Index(
                fields=["next_fire_at"],
                condition=models.Q(active=True, next_fire_at__isnull=False),
                name="reminder_due",
            ),
            # Partial: the sweep rewrites every due row, and each index entry costs it a write.
            models.Index(
                fields=["assignment"],
                condition=models.Q(assignment__isnull=False),
                name="reminder_assignment",
            ),
            models.Index(
                fields=["follow_up"],
                condition=models.Q(follow_up_id__isnull=False),
                name="reminder_follow_up",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} at {self.local_time:%H:%M}"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    SKIPPED = "skipped", _("Skipped (already done)")
    FAILED = "failed", _("Failed")


class DeliveryChannel(models.TextChoices):
    PUSH = "push", _("Web Push")
    EMAIL = "email", _("Email")
    IN_APP = "in_app", _("In-app only")


class Delivery(models.Model):
    """What happened to one reminder at one slot; unique per (reminder, slot), so a slot is sent once."""

    # No single-column indexes: the unique (reminder, slot) and the (patient, slot) index serve those
    # lookups, and every index is a write for each of the sweep's inserted rows.
    reminder = models.ForeignKey(
        Reminder, on_delete=models.CASCADE, related_name="deliveries", db_index=False
    )
    # Denormalised from reminder.patient: the send task works on one patient's slot at a time.
    patient = models.ForeignKey(
        "checklists.Patient", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    slot = models.DateTimeField(_("slot"), help_text=_("The scheduled instant (UTC)."))
    channel = models.CharField(_("channel"), max_length=8, choices=DeliveryChannel.choices, blank=True)
    status = models.CharField(
        _("status"), max_length=8, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    # The reminder's repeat_round when claimed: 0 for a regular slot, k for its k-th "remind again".
    # A database default too: rows written by hand-written INSERTs are regular slots.
    repeat_round = models.PositiveSmallIntegerField(default=0, db_default=0)
    last_error = models.CharField(_("last error"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # When a send task for this row was last handed to the broker; null when that failed.
    queued_at = models.DateTimeField(null=True, blank=True)
    # When a send task last claimed it ("sending"); a later sweep retries it after a timeout.
    started_at = models.DateTimeField(null=True, blank=True)
    # A push service asked to try again later (429/5xx): not before this instant.
    retry_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-slot", "reminder"]
        verbose_name_plural = _("deliveries")
        constraints = [
            models.UniqueConstraint(fields=["reminder", "slot"], name="delivery_once_per_reminder_slot")
        ]
        indexes = [
            models.Index(fields=["patient", "slot"], name="delivery_patient_slot"),
            # The unfinished rows, for the sweep's stale scan. Keyed like the send task's claim
            # (patient, slot, status 'pending'), so that claim finds its rows through an index
            # condition whichever index the planner picks. Keyed on status, it was a scan of every
            # pending row per claim whenever the statistics predated a sweep's burst of inserts.
            models.Index(
                fields=["patient", "slot"],
                condition=models.Q(status__in=["pending", "sending"]),
                name="delivery_unfinished",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reminder} at {self.slot:%Y-%m-%d %H:%M} UTC: {self.status}"


class Notification(models.Model):
    """An entry in the patient's in-app notification feed; written for every delivered slot."""

    patient = models.ForeignKey("checklists.Patient", on_delete=models.CASCADE, related_name="notifications")
    slot = models.DateTimeField(_("slot"))
    local_date = models.DateField(_("local date"))
    title = models.CharField(_("title"), max_length=80)
    body = models.CharField(_("body"), max_length=200)
    url = models.CharField(_("link"), max_length=200, default="/#today")
    items = models.JSONField(_("item ids"), default=list, blank=True)
    reminder_ids = models.JSONField(_("reminder ids"), default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        ordering = ["-slot", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["patient", "slot"], name="notification_once_per_patient_slot")
        ]

    def __str__(self) -> str:
        return f"{self.body} ({self.slot:%Y-%m-%d %H:%M} UTC)"
