"""The care plan: follow-ups on the iron, vascular and medication tracks, labs, medications, IRLS totals."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from checklists.careplan import severity
from checklists.intake import rules as intake_rules
from checklists.plan.rules import EVERY_DAY


class Track(models.TextChoices):
    IRON = "iron", _("Iron")
    VASCULAR = "vascular", _("Vascular")
    MEDICATION = "medication", _("Medication")


class FollowUpKind(models.TextChoices):
    FERRITIN_TSAT_LAB = "ferritin_tsat_lab", _("Ferritin and TSAT blood test")
    ORAL_IRON_REVIEW = "oral_iron_review", _("Oral iron review")
    IRON_INFUSION = "iron_infusion", _("Iron infusion")
    VENOUS_DUPLEX = "venous_duplex", _("Venous duplex ultrasound")
    # Recorded by marking it done on the procedure's date: the care plan then shows the safety lines for
    # after a vein procedure until a venous duplex is done (checklists/careplan/safety.py).
    VEIN_PROCEDURE = "vein_procedure", _("Vein procedure (ablation or sclerotherapy)")
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
    FollowUpKind.VEIN_PROCEDURE: Track.VASCULAR,
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
    # A TSAT below 1 looks like a fraction (0.35 for 35%): kept only when the clinician confirms it.
    tsat_confirmed = models.BooleanField(
        _("TSAT below 1% confirmed"),
        default=False,
        help_text=_("Tick only if the laboratory really reported a TSAT below 1%."),
    )
    # The guideline note as the iron rules (checklists/careplan/labs.py) gave it, and their version;
    # an older note is kept in LabNote when a rule or the patient's conditions change it.
    note_code = models.CharField(_("guideline note"), max_length=40, blank=True, editable=False)
    rule_version = models.CharField(_("rule version"), max_length=40, blank=True, editable=False)
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
        if self.drawn_on and self.patient_id and self.drawn_on > self.patient.local_today():
            raise ValidationError({"drawn_on": _("A blood draw cannot be dated in the future.")})


class LabNote(models.Model):
    """A guideline note a lab result had before newer rules or the patient's conditions changed it."""

    lab_result = models.ForeignKey(LabResult, on_delete=models.CASCADE, related_name="note_history")
    note_code = models.CharField(_("guideline note"), max_length=40)
    rule_version = models.CharField(_("rule version"), max_length=40)
    superseded_at = models.DateTimeField(_("superseded at"), auto_now_add=True)

    class Meta:
        ordering = ["-superseded_at", "-id"]
        verbose_name = _("earlier guideline note")

    def __str__(self) -> str:
        return f"{self.note_code} ({self.rule_version})"


class MedicationRecognition(models.TextChoices):
    """What the medicine check found for one entry (checklists/careplan/medications.py)."""

    DOPAMINERGIC = "dopaminergic", _("dopaminergic: augmentation watch on")
    MAY_WORSEN_RLS = "may_worsen_rls", _("may worsen RLS: review")
    NOT_FLAGGED = "not_flagged", _("recognised, not flagged")
    NOT_RECOGNISED = "not_recognised", _("not recognised: check it")
    NOT_CURRENT = "not_current", _("not a current medicine (negated or past entry)")


class Medication(models.Model):
    """A medicine on the patient's list; the generic name and the two flags are set from the name."""

    patient = models.ForeignKey("checklists.Patient", on_delete=models.CASCADE, related_name="medications")
    name = models.CharField(_("name as entered"), max_length=120)
    generic_name = models.CharField(_("generic name"), max_length=120, blank=True, editable=False)
    dose_text = models.CharField(_("dose"), max_length=120, blank=True)
    times_of_day = models.CharField(
        _("times of day"),
        max_length=120,
        blank=True,
        help_text=_(
            "Shown to the patient as written, e.g. 'evening, with food'. Reminders follow the dose times."
        ),
    )
    start_date = models.DateField(_("start date"), null=True, blank=True)
    stop_date = models.DateField(_("stop date"), null=True, blank=True)
    # The schedule (checklists/intake/rules.py): only what the clinician entered; the app never suggests one.
    dose_times = models.CharField(
        _("dose times"),
        max_length=120,
        blank=True,
        validators=[intake_rules.validate_dose_times],
        help_text=intake_rules.DOSE_TIMES_HELP,
    )
    dose_weekdays = models.PositiveSmallIntegerField(_("dose days"), default=EVERY_DAY)
    every_other_day = models.BooleanField(
        _("every other day"), default=False, help_text=_("Counted from the start date (alternate-day iron).")
    )
    as_needed = models.BooleanField(_("as needed"), default=False, help_text=_("No schedule: no dose times."))
    is_dopaminergic = models.BooleanField(_("dopaminergic"), default=False, editable=False)
    may_worsen_rls = models.BooleanField(_("may worsen RLS"), default=False, editable=False)
    # The medicine check's current finding (or the clinician's override of it); history: MedicationFinding.
    recognition = models.CharField(
        _("medicine check"),
        max_length=20,
        choices=MedicationRecognition.choices,
        default=MedicationRecognition.NOT_RECOGNISED,
        editable=False,
    )
    rule_version = models.CharField(_("rule version"), max_length=40, blank=True, editable=False)
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
            ),
            models.CheckConstraint(
                condition=models.Q(dose_weekdays__gte=1, dose_weekdays__lte=EVERY_DAY),
                name="medication_dose_weekdays_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.start_date and self.stop_date and self.stop_date < self.start_date:
            raise ValidationError({"stop_date": _("The stop date cannot be before the start date.")})
        if self.as_needed and self.dose_times.strip():
            raise ValidationError({"dose_times": _("A medicine taken as needed has no dose times.")})
        if self.every_other_day and not self.start_date:
            raise ValidationError(
                {"start_date": _("Every other day is counted from the start date: enter it.")}
            )
        if self.every_other_day and self.dose_weekdays != EVERY_DAY:
            raise ValidationError(
                {"every_other_day": _("Choose every other day or days of the week, not both.")}
            )


class MedicationFinding(models.Model):
    """One finding of the medicine check for a medication, kept when a newer one supersedes it.

    ``override_state`` is a clinician's correction of the finding, with who, when and why; the medication's
    ``recognition`` and flags follow the override while this finding is current.
    """

    medication = models.ForeignKey(Medication, on_delete=models.CASCADE, related_name="findings")
    name = models.CharField(_("name checked"), max_length=120)
    state = models.CharField(_("finding"), max_length=20, choices=MedicationRecognition.choices)
    ingredients = models.CharField(_("ingredients"), max_length=255, blank=True)
    classes = models.CharField(_("RLS classes"), max_length=255, blank=True)
    source = models.CharField(_("source"), max_length=255, blank=True)
    rule_version = models.CharField(_("rule version"), max_length=40)
    created_at = models.DateTimeField(_("found at"), default=timezone.now)
    superseded_at = models.DateTimeField(_("superseded at"), null=True, blank=True)
    override_state = models.CharField(
        _("clinician override"), max_length=20, choices=MedicationRecognition.choices, blank=True
    )
    override_reason = models.TextField(_("override reason"), blank=True)
    overridden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    overridden_at = models.DateTimeField(_("overridden at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("medicine check finding")
        constraints = [
            models.UniqueConstraint(
                fields=["medication"],
                condition=models.Q(superseded_at__isnull=True),
                name="medicationfinding_one_current",
            ),
            models.CheckConstraint(
                condition=models.Q(override_state="") | ~models.Q(override_reason=""),
                name="medicationfinding_override_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}: {self.state} ({self.rule_version})"

    @property
    def effective_state(self) -> str:
        return self.override_state or self.state


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
