"""The clinicians' worklist: when a patient's reason to look was last marked reviewed (issue 19)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class WorklistReview(models.Model):
    """The last time someone on the care team marked one of a patient's worklist reasons reviewed.

    One row per patient and reason, shared by the care team; the reason stays quiet until something
    newer than ``reviewed_at`` happens (checklists/worklist/rules.py says what "newer" is per reason).
    Possible augmentation is reviewed on its finding instead (AugmentationFinding.reviewed_at).
    """

    patient = models.ForeignKey(
        "checklists.Patient", on_delete=models.CASCADE, related_name="worklist_reviews"
    )
    reason = models.CharField(_("reason"), max_length=32)
    reviewed_at = models.DateTimeField(_("reviewed at"))
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    rule_version = models.CharField(_("rule version"), max_length=40)

    class Meta:
        verbose_name = _("worklist review")
        constraints = [
            models.UniqueConstraint(fields=["patient", "reason"], name="worklistreview_one_per_reason")
        ]

    def __str__(self) -> str:
        return f"{self.reason} reviewed {self.reviewed_at:%Y-%m-%d}"
