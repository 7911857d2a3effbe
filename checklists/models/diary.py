from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class DiaryEntry(models.Model):
    """The patient's own nightly diary (our wording, not a licensed scale); one per local date."""

    # No index of its own: the unique (patient, date) and the (patient, seq) index lead with it, and a
    # planner picking a patient-only index reads all of a patient's nights (tests/api/test_query_plans.py).
    patient = models.ForeignKey(
        "checklists.Patient", on_delete=models.CASCADE, related_name="diary_entries", db_index=False
    )
    date = models.DateField(_("date"))
    severity = models.PositiveSmallIntegerField(
        _("severity (0-10)"), validators=[MinValueValidator(0), MaxValueValidator(10)]
    )
    onset_time = models.TimeField(_("symptom onset time"), null=True, blank=True)
    sleep_quality = models.PositiveSmallIntegerField(
        _("sleep quality (0-10)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(10)],
    )
    arms_involved = models.BooleanField(_("arms involved"), default=False)
    note = models.TextField(_("note"), blank=True, max_length=2000)
    # Offline-sync bookkeeping, as on CheckOff.
    op_id = models.UUIDField(null=True, blank=True, editable=False)
    client_at = models.DateTimeField(null=True, blank=True, editable=False)
    seq = models.BigIntegerField(default=0, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["patient", "-date"]
        verbose_name_plural = _("diary entries")
        constraints = [
            models.UniqueConstraint(fields=["patient", "date"], name="diary_one_per_patient_and_day"),
            models.CheckConstraint(condition=models.Q(severity__lte=10), name="diary_severity_0_10"),
            models.CheckConstraint(
                condition=models.Q(sleep_quality__isnull=True) | models.Q(sleep_quality__lte=10),
                name="diary_sleep_quality_0_10",
            ),
        ]
        indexes = [models.Index(fields=["patient", "seq"], name="diary_patient_seq")]

    def __str__(self) -> str:
        return f"Diary {self.date}"
