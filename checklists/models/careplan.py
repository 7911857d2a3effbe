"""The care plan: follow-ups on the iron, vascular and medication tracks, labs, medications, IRLS totals."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from checklists.careplan import severity


class Track(models.TextChoices):
    IRON = "iron", _("Iron")
    VASCULAR = "vascular", _("Vascular")
    MEDICATION = "medication", _("Medication")


class FollowUpKind(models.TextChoices):
    FERRITIN_TSAT_LAB = "ferritin_tsat_lab", _("Ferritin and TSAT blood test")
    ORAL_IRON_REVIEW = "oral_iron_review", _("Oral iron review")
    IRON_INFUSION = "iron_infusion", _("Iron infusion")
    VENOUS_DUPLEX = "venous_duplex", _("Venous duplex ultrasound")
    COMPRESSION_REVIEW = "compression_review", _("Compression review")
    PROCEDURE_FOLLOW_UP = "procedure_follow_up", _("Procedure follow-up")
    MEDICATION_REVIEW = "medication_review", _("Medication review")
    AUGMENTATION_CHECK_IN = "augmentation_check_in", _("Augmentation check-in")
    OTHER = "other", _("Other")


# The track each kind belongs to; "other" may sit on any track.
KIND_TRACK: dict[str, str] = {
    FollowUpKind.FERRITIN_TSAT_LAB: Track.IRON,
    FollowUpKind.ORAL_IRON_REVIEW: Track.IRON,
    FollowUpKind.IRON_INFUSION: Track.IRON,
    FollowUpKind.VENOUS_DUPLEX: Track.VASCULAR,
    FollowUpKind.COMPRESSION_REVIEW: Track.VASCULAR,
    FollowUpKind.PROCEDURE_FOLLOW_UP: Track.VASCULAR,
    FollowUpKind.MEDICATION_REVIEW: Track.MEDICATION,
    FollowUpKind.AUGMENTATION_CHECK_IN: Track.MEDICATION,
}


class FollowUpStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    DONE = "done", _("Done")
    SKIPPED = "skipped", _("Skipped")
    CANCELLED = "cancelled", _("Cancelled")


class FollowUp(models.Model):
    """One appointment, test or review in the patient's care plan, optionally repeating every N weeks.

    Closing a repeating follow-up (done or skipped) creates the next one exactly once: the successor
    points back through ``previous``, which is unique.
    """

    patient = models.ForeignKey("checklists.Patient", on_delete=models.CASCADE, related_name="follow_ups")
    track = models.CharField(_("track"), max_length=16, choices=Track.choices)
    kind = models.CharField(_("kind"), max_length=32, choices=FollowUpKind.choices)
    title = models.CharField(
        _("title"), max_length=120, blank=True, help_text=_("Shown to the patient; defaults to the kind.")
    )
    due_date = models.DateField(_("due date"))
    recurrence_weeks = models.PositiveSmallIntegerField(
        _("repeat every (weeks)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_("Empty for a one-off. Once this is done or skipped, the next one is planned."),
    )
    status = models.CharField(
        _("status"), max_length=16, choices=FollowUpStatus.choices, default=FollowUpStatus.PLANNED
    )
    completed_on = models.DateField(_("completed on"), null=True, blank=True)
    notes = models.TextField(_("clinician notes"), blank=True, help_text=_("Never shown to the patient."))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    previous = models.OneToOneField(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="next_occurrence",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["due_date", "id"]
        verbose_name = _("follow-up")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(recurrence_weeks__isnull=True) | models.Q(recurrence_weeks__gte=1),
                name="followup_recurrence_positive",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="done") | models.Q(completed_on__isnull=False),
                name="followup_done_has_date",
            ),
        ]
        indexes = [models.Index(fields=["patient", "status", "due_date"], name="followup_patient_due")]

    def __str__(self) -> str:
        return f"{self.display_title} ({self.due_date})"

    @property
    def display_title(self) -> str:
        """Return the title, or the kind's label when no title was given."""
        return self.title or str(self.get_kind_display())

    def clean(self) -> None:
        expected = KIND_TRACK.get(self.kind)
        if expected and self.track and self.track != expected:
            message = _("%(kind)s belongs on the %(track)s track.") % {
                "kind": self.get_kind_display(),
                "track": Track(expected).label,
            }
            raise ValidationError({"track": message})
        if self.status == FollowUpStatus.DONE and not self.completed_on:
            raise ValidationError({"completed_on": _("Say when it was done.")})


class DueFollowUp(FollowUp):
    """The clinicians' "Due and overdue follow-ups" list across their patients (an admin view of FollowUp)."""

    class Meta:
        proxy = True
        verbose_name = _("due or overdue follow-up")
        verbose_name_plural = _("Due and overdue follow-ups")


class FerritinUnit(models.TextChoices):
    NG_ML = "ng/mL", "ng/mL"
    UG_L = "ug/L", "µg/L"


class LabResult(models.Model):
    """Iron studies from one blood draw; ng/mL and µg/L ferritin are numerically equal."""

    patient = models.ForeignKey("checklists.Patient", on_delete=models.CASCADE, related_name="lab_results")
    drawn_on = models.DateField(_("drawn on"))
    ferritin = models.DecimalField(
        _("ferritin"),
        max_digits=6,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    ferritin_unit = models.CharField(
        _("ferritin unit"), max_length=8, choices=FerritinUnit.choices, default=FerritinUnit.NG_ML
    )
    tsat = models.DecimalField(
        _("TSAT (%)"),
        max_digits=4,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text=_("Transferrin saturation."),
    )
    laboratory = models.CharField(
        _("laboratory / assay"),
        max_length=120,
        blank=True,
        help_text=_("Ferritin assays differ between laboratories: record which one."),
    )
    notes = models.TextField(_("clinician notes"), blank=True, help_text=_("Never shown to the patient."))
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-drawn_on", "-id"]
        verbose_name = _("lab result")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ferritin__isnull=False) | models.Q(tsat__isnull=False),
                name="labresult_has_a_value",
            ),
            models.CheckConstraint(
                condition=models.Q(tsat__isnull=True) | models.Q(tsat__gte=0, tsat__lte=100),
                name="labresult_tsat_0_100",
            ),
            models.CheckConstraint(
                condition=models.Q(ferritin__isnull=True) | models.Q(ferritin__gte=0),
                name="labresult_ferritin_not_negative",
            ),
        ]
        indexes = [models.Index(fields=["patient", "-drawn_on"], name="labresult_patient_drawn")]

    def __str__(self) -> str:
        return f"Iron studies {self.drawn_on}"

    def clean(self) -> None:
        if self.ferritin is None and self.tsat is None:
            raise ValidationError(_("Enter a ferritin or a TSAT value (or both)."))


class Medication(models.Model):
    """A medicine on the patient's list; the generic name and the two flags are set from the name."""

    patient = models.ForeignKey("checklists.Patient", on_delete=models.CASCADE, related_name="medications")
    name = models.CharField(_("name as entered"), max_length=120)
    generic_name = models.CharField(_("generic name"), max_length=120, blank=True, editable=False)
    dose_text = models.CharField(_("dose"), max_length=120, blank=True)
    times_of_day = models.CharField(
        _("times of day"), max_length=120, blank=True, help_text=_("For example: evening, 21:00.")
    )
    start_date = models.DateField(_("start date"), null=True, blank=True)
    stop_date = models.DateField(_("stop date"), null=True, blank=True)
    is_dopaminergic = models.BooleanField(_("dopaminergic"), default=False, editable=False)
    may_worsen_rls = models.BooleanField(_("may worsen RLS"), default=False, editable=False)
    notes = models.TextField(_("clinician notes"), blank=True, help_text=_("Never shown to the patient."))
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("medication")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(stop_date__isnull=True)
                | models.Q(start_date__isnull=True)
                | models.Q(stop_date__gte=models.F("start_date")),
                name="medication_stop_after_start",
            )
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.start_date and self.stop_date and self.stop_date < self.start_date:
            raise ValidationError({"stop_date": _("The stop date cannot be before the start date.")})


class SeverityScore(models.Model):
    """A clinician-entered IRLS total (0-40) on a date. The item wording is licensed: never stored here."""

    patient = models.ForeignKey(
        "checklists.Patient", on_delete=models.CASCADE, related_name="severity_scores"
    )
    scored_on = models.DateField(_("scored on"))
    irls_total = models.PositiveSmallIntegerField(
        _("IRLS total (0-40)"),
        validators=[MinValueValidator(severity.IRLS_MIN), MaxValueValidator(severity.IRLS_MAX)],
    )
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-scored_on", "-id"]
        verbose_name = _("IRLS severity score")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(irls_total__lte=severity.IRLS_MAX), name="severityscore_irls_0_40"
            )
        ]

    def __str__(self) -> str:
        return f"IRLS {self.irls_total} on {self.scored_on}"

    @property
    def band(self) -> str:
        """Return the band label (none / mild / moderate / severe / very severe) for the total."""
        return str(severity.irls_band(self.irls_total).label)
