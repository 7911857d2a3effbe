import zoneinfo
from datetime import date, datetime

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from checklists.careplan.conditions import conditions_errors

CLINICIANS_GROUP = "Clinicians"
# A short note, not a letter: it must fit on the one-page visit report.
VISIT_QUESTIONS_MAX_LENGTH = 1000


def validate_time_zone(value: str) -> None:
    """Raise ValidationError unless ``value`` is an IANA time zone name this system knows."""
    if value not in zoneinfo.available_timezones():
        raise ValidationError(
            _("%(value)s is not a known IANA time zone (for example Europe/Berlin)."), params={"value": value}
        )


class PatientQuerySet(models.QuerySet):
    def for_clinician(self, user: User) -> "PatientQuerySet":
        """Return the patients on ``user``'s care team and of their clinic; a superuser gets every patient."""
        if user.is_superuser:
            return self
        from checklists.clinics.selectors import same_clinic_q  # the selectors import these models

        return self.filter(same_clinic_q(user), care_team=user)


class Patient(models.Model):
    """A person with RLS who uses the app; one per user account."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="patient")
    time_zone = models.CharField(
        _("time zone"), max_length=64, default="UTC", validators=[validate_time_zone]
    )
    language = models.CharField(_("language"), max_length=16, choices=settings.LANGUAGES, default="en")
    care_team = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        related_name="care_team_patients",
        blank=True,
        verbose_name=_("care team"),
        help_text=_("The clinicians who look after this patient and can see their data."),
    )
    quiet_hours_start = models.TimeField(_("quiet hours start"), null=True, blank=True)
    quiet_hours_end = models.TimeField(_("quiet hours end"), null=True, blank=True)
    invited_at = models.DateTimeField(_("invited at"), null=True, blank=True)
    invitation_accepted_at = models.DateTimeField(_("invitation accepted at"), null=True, blank=True)
    # Written by the patient in the app before an appointment; printed on the visit report.
    visit_questions = models.TextField(
        _("questions for the visit"),
        max_length=VISIT_QUESTIONS_MAX_LENGTH,
        blank=True,
        help_text=_("The patient's questions for their next appointment, printed on the visit report."),
    )
    # The patient's own time for each time of day a medicine is taken at; empty: the default
    # (settings.INTAKE_DEFAULT_TIMES). Set from the app (PATCH /api/v1/me/dose-times/).
    dose_time_morning = models.TimeField(_("morning dose time"), null=True, blank=True)
    dose_time_midday = models.TimeField(_("midday dose time"), null=True, blank=True)
    dose_time_evening = models.TimeField(_("evening dose time"), null=True, blank=True)
    dose_time_bedtime = models.TimeField(_("bedtime dose time"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # The server's change sequence for this patient's synced rows: every check-off or diary write
    # takes the next numbers from here, so "changes since cursor" never depends on a client clock.
    sync_seq = models.BigIntegerField(default=0, editable=False)
    # Conditions recorded by the clinician, never inferred (shared/clinical-content.md "Patient conditions");
    # they change the iron rules only where the content says so (checklists/careplan/conditions.py).
    date_of_birth = models.DateField(_("date of birth"), null=True, blank=True)
    iron_deficiency_anaemia = models.BooleanField(_("iron-deficiency anaemia"), default=False)
    chronic_kidney_disease = models.BooleanField(_("chronic kidney disease"), default=False)
    on_dialysis = models.BooleanField(_("on dialysis"), default=False)
    pregnant = models.BooleanField(_("pregnancy"), default=False)
    pregnancy_due_date = models.DateField(_("due date"), null=True, blank=True)
    diabetes = models.BooleanField(_("diabetes"), default=False)
    peripheral_neuropathy = models.BooleanField(_("peripheral neuropathy"), default=False)
    thyroid_disease = models.BooleanField(_("thyroid disease"), default=False)
    parkinsons_disease = models.BooleanField(_("Parkinson's disease"), default=False)
    venous_insufficiency = models.BooleanField(_("venous insufficiency"), default=False)
    heart_failure = models.BooleanField(_("heart failure"), default=False)
    # The patient's clinic: only its clinicians ever see the patient's data (checklists/admin/scoping.py).
    clinic = models.ForeignKey(
        "checklists.Clinic",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="patients",
        verbose_name=_("clinic"),
    )

    objects = PatientQuerySet.as_manager()

    class Meta:
        ordering = ["user__last_name", "user__first_name", "user__email"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(quiet_hours_start__isnull=True, quiet_hours_end__isnull=True)
                    | models.Q(quiet_hours_start__isnull=False, quiet_hours_end__isnull=False)
                ),
                name="patient_quiet_hours_both_or_neither",
            )
        ]

    def __str__(self) -> str:
        full_name = self.user.get_full_name()
        return (
            f"{full_name} <{self.user.email}>" if full_name else self.user.email or self.user.get_username()
        )

    def clean(self) -> None:
        if (self.quiet_hours_start is None) != (self.quiet_hours_end is None):
            raise ValidationError(_("Set both the start and the end of quiet hours, or neither."))
        if errors := conditions_errors(self):
            raise ValidationError(errors)

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        """Return the patient's time zone as a ZoneInfo."""
        return zoneinfo.ZoneInfo(self.time_zone)

    def local_now(self) -> datetime:
        """Return the current time in the patient's own zone."""
        return timezone.now().astimezone(self.zone)

    def local_today(self) -> date:
        """Return today's date where the patient is."""
        return self.local_now().date()

    @property
    def invitation_status(self) -> str:
        """Return 'accepted', 'pending' or 'not invited'."""
        if self.invitation_accepted_at:
            return "accepted"
        if self.invited_at:
            return "pending"
        return "not invited"
