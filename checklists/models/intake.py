"""The intake log: each dose a patient recorded as taken or skipped, and each extra (as-needed) dose."""

from django.db import models
from django.utils.translation import gettext_lazy as _

# A skipped dose's reason is a few words for the care team, not a letter.
INTAKE_REASON_MAX_LENGTH = 200


class IntakeStatus(models.TextChoices):
    TAKEN = "taken", _("taken")
    SKIPPED = "skipped", _("skipped")
    EXTRA = "extra", _("extra dose")


class IntakeRecord(models.Model):
    """One dose of one medicine on one patient-local date: a scheduled dose time (``slot``) taken or
    skipped, or an extra dose (``slot`` null, status extra; each extra is its own row).

    One row per (medication, date, slot) for scheduled doses: the unique constraint treats null slots
    as distinct, so extras never collide. Written only through the offline sync (last writer wins).
    """

    # No index of its own: the unique (medication, date, slot) leads with it, and a planner picking a
    # medicine-only index reads all of its doses for a few days' (tests/api/test_query_plans.py).
    medication = models.ForeignKey(
        "checklists.Medication", on_delete=models.CASCADE, related_name="intake_records", db_index=False
    )
    # Denormalised from medication.patient: every read and sync query filters by patient. No index of
    # its own, as on CheckOff: the (patient, date) and (patient, seq) indexes lead with it.
    patient = models.ForeignKey(
        "checklists.Patient", on_delete=models.CASCADE, related_name="intake_records", db_index=False
    )
    date = models.DateField(_("date"))
    # The dose time (local wall time, minutes); null for an extra dose.
    slot = models.TimeField(_("dose time"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=8, choices=IntakeStatus.choices)
    reason = models.CharField(_("reason"), max_length=INTAKE_REASON_MAX_LENGTH, blank=True)
    # Offline-sync bookkeeping, as on CheckOff.
    op_id = models.UUIDField(null=True, blank=True, editable=False)
    client_at = models.DateTimeField(null=True, blank=True, editable=False)
    seq = models.BigIntegerField(default=0, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["date", "slot", "id"]
        verbose_name = _("intake record")
        constraints = [
            models.UniqueConstraint(fields=["medication", "date", "slot"], name="intake_one_per_dose"),
            models.CheckConstraint(
                condition=models.Q(slot__isnull=True, status="extra")
                | models.Q(slot__isnull=False, status__in=["taken", "skipped"]),
                name="intake_slot_unless_extra",
            ),
        ]
        indexes = [
            models.Index(fields=["patient", "seq"], name="intake_patient_seq"),
            models.Index(fields=["patient", "date"], name="intake_patient_date"),
        ]

    def __str__(self) -> str:
        return f"{self.medication_id} {self.date} {self.slot or 'extra'}: {self.status}"
