"""The access log: who saw or changed whose record, append-only; and notices of closed accounts."""

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AppendOnlyError(Exception):
    """Raised on any attempt to change or delete an access-log entry."""


class AccessLogQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("Access-log entries cannot be changed.")

    def delete(self):
        raise AppendOnlyError("Access-log entries cannot be deleted.")

    def anonymise(self, *, actor_label: str) -> int:
        """Replace who-did-it with ``actor_label`` and drop the user link: the one change allowed, for
        a patient who deleted their account. Returns the number of entries changed."""
        return models.QuerySet.update(self, actor=None, actor_label=actor_label)


class AccessLog(models.Model):
    """One access to patient data or one sign-in attempt. Holds no health values: only who, whose,
    which kind of object (its id, never its content), what, when and from where."""

    class Action(models.TextChoices):
        VIEW = "view", _("view")
        ADD = "add", _("add")
        CHANGE = "change", _("change")
        DELETE = "delete", _("delete")
        EXPORT = "export", _("export")
        SIGN_IN = "sign-in", _("sign-in")
        SIGN_IN_FAILED = "sign-in-failed", _("sign-in failed")
        SIGN_OUT_EVERYWHERE = "sign-out-everywhere", _("sign-out everywhere")
        ACCOUNT_DELETED = "account-deleted", _("account deleted")
        # A clinician asked for a record that is not theirs (a 404): who, and what they asked for.
        REFUSED = "refused", _("refused")
        CARE_TEAM_ADD = "care-team-add", _("clinician added to the care team")
        CARE_TEAM_REMOVE = "care-team-remove", _("clinician removed from the care team")
        INVITATION_SENT = "invitation-sent", _("invitation sent")

    at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("who"),
    )
    # Kept when the user is deleted: the username at the time (for failed sign-ins, the one typed).
    actor_label = models.CharField(_("who (as recorded)"), max_length=254, blank=True)
    patient = models.ForeignKey(
        "checklists.Patient",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("patient"),
    )
    # The patient's id, kept after the patient's account is deleted.
    patient_ref = models.BigIntegerField(_("patient id"), null=True, blank=True, db_index=True)
    # The patient's name as the care team knew it when the entry was written (kept after a rename).
    patient_label = models.CharField(_("patient (as recorded)"), max_length=254, blank=True)
    object_kind = models.CharField(_("object kind"), max_length=100, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    action = models.CharField(_("action"), max_length=32, choices=Action.choices)
    ip_address = models.GenericIPAddressField(_("from address"), null=True, blank=True)

    objects = AccessLogQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("access log entry")
        verbose_name_plural = _("access log")
        indexes = [models.Index(fields=["patient_ref", "at"], name="accesslog_patient_at")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.object_kind}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not kwargs.get("force_insert"):
            raise AppendOnlyError("Access-log entries cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("Access-log entries cannot be deleted.")


class AccountClosure(models.Model):
    """What remains of a patient who deleted their account: that they left, when, and who cared for
    them; so their clinicians see it. No health data, no contact details beyond the name they knew."""

    patient_ref = models.BigIntegerField(_("patient id"), unique=True)
    display_name = models.CharField(_("patient"), max_length=300)
    closed_at = models.DateTimeField(_("left on"), auto_now_add=True)
    care_team = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="+", blank=True, verbose_name=_("care team")
    )

    class Meta:
        ordering = ["-closed_at"]
        verbose_name = _("closed patient account")
        verbose_name_plural = _("closed patient accounts")

    def __str__(self) -> str:
        return f"{self.display_name} (left {self.closed_at:%Y-%m-%d})"
