"""Clinics: a clinician belongs to one clinic, and so does a patient (issue 19, "Clinics apart").

A patient's data is only ever shown to clinicians of the patient's own clinic (``Patient.clinic``, checked
by ``checklists.admin.scoping.scope_to_clinician`` on top of the care team). A clinic has its own contact
details (shown to its patients), its own checklist templates and its own settings.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class Clinic(models.Model):
    """A clinic: its clinicians, patients, contact details, checklist templates and settings."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    contact_name = models.CharField(
        _("contact name"),
        max_length=120,
        blank=True,
        help_text=_("Whom the patients contact, e.g. the clinic."),
    )
    contact_phone = models.CharField(_("contact phone"), max_length=40, blank=True)
    contact_email = models.EmailField(_("contact email"), blank=True)
    contact_hours = models.CharField(
        _("contact hours"), max_length=120, blank=True, help_text=_("For example Mon-Fri 9:00-17:00.")
    )
    # A clinic policy, not a clinical threshold (settings.ADHERENCE_ALERT_BELOW_PERCENT gives its source).
    adherence_alert_below_percent = models.PositiveSmallIntegerField(
        _("low adherence below (%)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text=_(
            "The clinicians' list calls a patient's adherence low below this share. "
            "Empty: the deployment's default (ADHERENCE_ALERT_BELOW_PERCENT)."
        ),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("clinic")
        verbose_name_plural = _("clinics")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if any((self.contact_name, self.contact_hours)) and not (self.contact_phone or self.contact_email):
            raise ValidationError(
                _("Give a phone or an email with the contact details, so patients can reach you.")
            )


class ClinicMembership(models.Model):
    """A clinician's clinic (one each); a lead clinician also curates the clinic's checklist templates."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="clinic_membership",
        verbose_name=_("clinician"),
    )
    clinic = models.ForeignKey(
        Clinic, on_delete=models.PROTECT, related_name="memberships", verbose_name=_("clinic")
    )
    is_lead = models.BooleanField(
        _("lead clinician"),
        default=False,
        help_text=_("A lead clinician creates and edits the clinic's own checklist templates."),
    )

    class Meta:
        ordering = ["clinic", "user__last_name", "user__email"]
        verbose_name = _("clinician of the clinic")
        verbose_name_plural = _("clinicians of the clinic")

    def __str__(self) -> str:
        return f"{self.user.get_full_name() or self.user.email} ({self.clinic})"
