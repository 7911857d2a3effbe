from django.db import models
from django.utils.translation import gettext_lazy as _


class PushSubscription(models.Model):
    """A Web Push subscription of one of the patient's browsers (endpoint plus its encryption keys)."""

    patient = models.ForeignKey(
        "checklists.Patient", on_delete=models.CASCADE, related_name="push_subscriptions"
    )
    # Unique per patient, not overall: another patient posting the same endpoint gets a row of its own
    # and can neither take this one over nor learn that it exists (checklists.reminders.services).
    endpoint = models.URLField(_("endpoint"), max_length=1000)
    p256dh = models.CharField(max_length=200)
    auth = models.CharField(max_length=100)
    user_agent = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    failure_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["patient", "endpoint"], name="pushsubscription_patient_endpoint")
        ]

    def __str__(self) -> str:
        return f"Push subscription {self.pk}"
