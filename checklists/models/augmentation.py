"""Augmentation screening: the baseline a clinician picks, and the stored findings with their review."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from checklists.careplan.augmentation import AugmentationStatus


class AugmentationBaseline(models.Model):
    """The period a clinician picked as the patient's baseline for the augmentation screening.

    Without one, the screening uses the first weeks after the dopaminergic drug's start date.
    """

    patient = models.OneToOneField(
        "checklists.Patient", on_delete=models.CASCADE, related_name="augmentation_baseline"
    )
    start = models.DateField(_("baseline from"))
    end = models.DateField(_("baseline to"))
    note = models.CharField(_("why this period"), max_length=200, blank=True)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("augmentation baseline")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end__gte=models.F("start")), name="augmentation_baseline_end_after_start"
            )
        ]

    def __str__(self) -> str:
        return f"Baseline {self.start} to {self.end}"


class AugmentationFinding(models.Model):
    """One outcome of the augmentation screening, kept as history.

    A new row is stored when the outcome changes (status, criteria met, baseline or rule version); while
    it stays the same, ``checked_at`` moves on (and, until reviewed, the evidence is refreshed). A
    prompt for the clinician, never a diagnosis, never shown to the patient.
    """

    patient = models.ForeignKey(
        "checklists.Patient", on_delete=models.CASCADE, related_name="augmentation_findings"
    )
    computed_at = models.DateTimeField(_("found at"))
    checked_at = models.DateTimeField(_("last checked at"))
    status = models.CharField(_("status"), max_length=20, choices=AugmentationStatus.choices)
    criterion_a = models.BooleanField(_("criterion A appears met"), default=False)
    criterion_b = models.BooleanField(_("criterion B appears met"), default=False)
    evidence = models.JSONField(_("evidence"), default=dict)
    rule_version = models.CharField(_("rule version"), max_length=40)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    review_note = models.TextField(_("review note"), blank=True, max_length=2000)

    class Meta:
        ordering = ["patient", "-computed_at", "-id"]
        verbose_name = _("augmentation finding")
        indexes = [
            models.Index(fields=["patient", "-computed_at"], name="augfinding_patient_computed"),
            models.Index(fields=["status", "reviewed_at"], name="augfinding_status_reviewed"),
        ]

    def __str__(self) -> str:
        return f"{self.get_status_display()} ({self.computed_at:%Y-%m-%d})"

    @property
    def flagged(self) -> bool:
        return self.status == AugmentationStatus.FLAGGED
