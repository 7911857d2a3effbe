"""The care plan in the clinicians' workspace.

On the patient's page: follow-ups, lab results, medications, IRLS totals and the diary (read-only), as
inlines (``CAREPLAN_INLINES``). In the patient list: the iron, medication and augmentation flags
(``CarePlanPatientListMixin``, three queries per page). Across the clinician's patients: the "Due and
overdue follow-ups" list, filterable by track. Writes go through the care-plan services, so closing a
repeating follow-up plans the next one once, and a medication's flags follow its name.
"""

from datetime import date, timedelta
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.views.main import ChangeList
from django.contrib.auth.models import User
from django.db.models import Case, Model, Q, QuerySet, Value, When
from django.forms import ModelForm
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from checklists.admin.augmentation import AUGMENTATION_INLINES, finding_html, review_html
from checklists.admin.history import CurrentRowsInlineMixin, HistoryInline
from checklists.admin.intake import MedicationDaysField
from checklists.admin.medications import MedicationCheckForm, check_html, medication_check_saved
from checklists.admin.scoping import PatientScopedAdmin, PatientScopedFormSet, PatientScopedInline, admin_user
from checklists.admin.sources import rule_source_html
from checklists.careplan import augmentation, labs, services, severity
from checklists.careplan.conditions import iron_note_for, recorded_conditions
from checklists.careplan.selectors import PatientFlags, care_flags_for_patients, due_followups
from checklists.models import DiaryEntry, DueFollowUp, FollowUp, LabResult, Medication, Patient, SeverityScore
from checklists.models.careplan import KIND_TRACK, FollowUpStatus
from checklists.plan.rules import EVERY_DAY, mask_to_weekdays
from checklists.reminders.services import follow_up_reminders_sync, medication_reminders_sync
from checklists.security.audit import Action, audit_objects

FLAG = "⚑"


def current_results_since() -> date:
    """Return the first day whose iron studies and IRLS totals are current on the patient's page: the
    last two ferritin rechecks' worth (2 x CAREPLAN_FERRITIN_RECHECK_WEEKS), what a visit compares;
    older ones are history (checklists/admin/history.py), and the summary at the top charts them all."""
    return timezone.localdate() - timedelta(weeks=2 * settings.CAREPLAN_FERRITIN_RECHECK_WEEKS)


def followup_past() -> Q:
    """A follow-up is history once closed (done or cancelled)."""
    return ~Q(status=FollowUpStatus.PLANNED)


def medication_past() -> Q:
    """A medicine is history once its stop date has passed."""
    return Q(stop_date__lt=timezone.localdate())


def labresult_past() -> Q:
    """An iron study drawn before ``current_results_since()`` is history."""
    return Q(drawn_on__lt=current_results_since())


def severityscore_past() -> Q:
    """An IRLS total scored before ``current_results_since()`` is history."""
    return Q(scored_on__lt=current_results_since())


class _StampingFormSet(PatientScopedFormSet):
    """Records who added a row (``stamp_field``) and lets the inline run a service before saving."""

    request: HttpRequest | None = None
    stamp_field = ""

    def save_new(self, form, commit=True):
        obj = form.save(commit=False)
        if self.stamp_field and self.request is not None:
            setattr(obj, self.stamp_field, self.request.user)
        self.prepare(obj, form)
        if commit:
            obj.save()
            form.save_m2m()
        return obj

    def save_existing(self, form, obj, commit=True):
        obj = form.save(commit=False)
        self.prepare(obj, form)
        if commit:
            obj.save()
        return obj

    def prepare(self, obj: Any, form: ModelForm) -> None:
        """Adjust ``obj`` (this formset's model) before it is saved; the default does nothing."""


class _StampingInline(PatientScopedInline):
    stamp_field = ""
    formset_class = _StampingFormSet

    def get_formset(self, request, obj=None, **kwargs):
        kwargs.setdefault("formset", self.formset_class)
        formset = super().get_formset(request, obj, **kwargs)
        formset.request = request
        formset.stamp_field = self.stamp_field
        return formset


class FollowUpForm(ModelForm):
    class Meta:
        model = FollowUp
        fields = ["track", "kind", "title", "due_date", "recurrence_weeks", "status", "completed_on", "notes"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["track"].required = False
        self.fields["track"].help_text = _("Filled in from the kind when left empty.")
        self.fields["recurrence_weeks"].help_text = _(
            "Empty for a one-off. A new ferritin and TSAT test left empty repeats every %(weeks)d weeks "
            "(CAREPLAN_FERRITIN_RECHECK_WEEKS)."
        ) % {"weeks": settings.CAREPLAN_FERRITIN_RECHECK_WEEKS}

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        kind = data.get("kind")
        if not data.get("track"):
            data["track"] = KIND_TRACK.get(kind or "", "")
            self.instance.track = data["track"]
            if not data["track"]:
                self.add_error("track", _("Choose the track for this follow-up."))
        if self.instance.pk is None and kind and data.get("recurrence_weeks") is None:
            data["recurrence_weeks"] = services.followup_default_recurrence_weeks(kind=kind)
        if data.get("status") == FollowUpStatus.DONE and not data.get("completed_on"):
            patient = self.instance.patient if self.instance.patient_id else None
            data["completed_on"] = patient.local_today() if patient else timezone.localdate()
        return data


class FollowUpFormSet(_StampingFormSet):
    def save_new(self, form, commit=True):
        obj = super().save_new(form, commit=commit)
        if commit:
            follow_up_reminders_sync(obj)  # reminders
        return obj

    def save_existing(self, form, obj, commit=True):
        # Closing goes through the service, so a repeating follow-up rolls forward once and only once.
        closing = (
            "status" in form.changed_data
            and form.initial.get("status") == FollowUpStatus.PLANNED
            and form.cleaned_data["status"] != FollowUpStatus.PLANNED
        )
        obj = form.save(commit=False)
        if not closing:
            if commit:
                obj.save()
                follow_up_reminders_sync(obj)  # reminders
            return obj
        status, on = obj.status, obj.completed_on or obj.patient.local_today()
        obj.status, obj.completed_on = FollowUpStatus.PLANNED, None
        obj.save()
        user = admin_user(self.request) if self.request is not None else None
        services.followup_close(followup=obj, status=status, on=on, by=user)
        return obj


class FollowUpInline(CurrentRowsInlineMixin, _StampingInline):
    model = FollowUp
    past = staticmethod(followup_past)
    form = FollowUpForm
    formset_class = FollowUpFormSet
    stamp_field = "created_by"
    extra = 0
    fk_name = "patient"
    # Status beside the due date: on a narrow screen a done follow-up must not look like a planned one.
    fields = ["kind", "title", "due_date", "status", "completed_on", "recurrence_weeks", "track", "notes"]
    verbose_name_plural = _("Follow-ups (iron, vascular, medication)")

    def get_queryset(self, request):
        # Planned ones first by due date, then (with "Show all") the history.
        planned_first = Case(When(status=FollowUpStatus.PLANNED, then=Value(0)), default=Value(1))
        return super().get_queryset(request).order_by(planned_first, "due_date")


class FollowUpHistoryInline(HistoryInline):
    model = FollowUp
    past = staticmethod(followup_past)
    history_order = ("-due_date", "-pk")
    fields = readonly_fields = ("kind", "title", "due_date", "status", "completed_on", "notes")
    verbose_name_plural = _("Follow-ups done or cancelled")


class LabResultForm(ModelForm):
    """A TSAT below 1 is asked about, not interpreted: it was almost certainly typed as a fraction."""

    # Two decimals here so that "0.35" reaches the question below instead of a decimal-places error.
    tsat = forms.DecimalField(
        label=_("TSAT (%)"),
        required=False,
        min_value=0,
        max_value=100,
        max_digits=5,
        decimal_places=2,
        help_text=_("Transferrin saturation, as a percentage: 35 for 35%."),
    )

    class Meta:
        model = LabResult
        fields = ["drawn_on", "ferritin", "ferritin_unit", "tsat", "tsat_confirmed", "laboratory", "notes"]

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        tsat = data.get("tsat")
        if tsat is not None and tsat < labs.TSAT_FRACTION_BELOW and not data.get("tsat_confirmed"):
            self.add_error(
                "tsat",
                _(
                    "TSAT is a percentage: %(value)s looks like a fraction (0.35 for 35%%). Enter the "
                    "percentage, or tick “TSAT below 1%% confirmed” if the laboratory reported it."
                )
                % {"value": tsat},
            )
        elif tsat is None or tsat >= labs.TSAT_FRACTION_BELOW:
            data["tsat_confirmed"] = self.instance.tsat_confirmed = False
        return data


class LabResultFormSet(_StampingFormSet):
    """Saves every result through the care-plan service, as the FHIR lab import does (the note is stored)."""

    def save_new(self, form, commit=True):
        lab = super().save_new(form, commit=False)
        return services.labresult_save(lab_result=lab) if commit else lab

    def save_existing(self, form, obj, commit=True):
        lab = form.save(commit=False)
        return services.labresult_save(lab_result=lab) if commit else lab


class LabResultInline(CurrentRowsInlineMixin, _StampingInline):
    model = LabResult
    past = staticmethod(labresult_past)
    form = LabResultForm
    formset_class = LabResultFormSet
    stamp_field = "entered_by"
    extra = 0
    fields = [
        "drawn_on",
        "ferritin",
        "ferritin_unit",
        "tsat",
        "tsat_confirmed",
        "laboratory",
        "interpretation",
        "notes",
    ]
    readonly_fields = ["interpretation"]
    verbose_name_plural = _("Iron studies (ferritin, TSAT)")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("patient").prefetch_related("note_history")

    @admin.display(description=_("guideline note (source, rule version)"))
    def interpretation(self, obj: LabResult) -> str:
        if obj.pk is None:
            return "-"
        result = iron_note_for(obj, obj.patient)
        earlier = "; ".join(
            f"{labs.note_label(note.note_code)} ({note.rule_version})" for note in obj.note_history.all()
        )
        return format_html(
            "{} {}<br><small>{}</small><br>{}{}",
            FLAG if result.flagged else "",
            result.note,
            result.citation,
            rule_source_html(labs.RULESET, rule_version=result.rule_version),
            format_html("<br><small>{}: {}</small>", _("Earlier notes"), earlier) if earlier else "",
        )


class LabResultHistoryInline(HistoryInline):
    model = LabResult
    past = staticmethod(labresult_past)
    history_order = ("-drawn_on", "-pk")
    fields = readonly_fields = ("drawn_on", "ferritin", "ferritin_unit", "tsat", "laboratory", "notes")
    verbose_name_plural = _("Earlier iron studies")


class MedicationFormSet(_StampingFormSet):
    def prepare(self, obj: Medication, form: ModelForm) -> None:
        services.medication_apply_match(medication=obj)

    def _by(self) -> User | None:
        return admin_user(self.request) if self.request is not None else None

    def save_new(self, form, commit=True):
        obj = super().save_new(form, commit=commit)
        if commit:
            medication_check_saved(medication=obj, form=form, by=self._by())
            medication_reminders_sync(medication=obj)  # reminders
        return obj

    def save_existing(self, form, obj, commit=True):
        obj = super().save_existing(form, obj, commit=commit)
        if commit:
            medication_check_saved(medication=obj, form=form, by=self._by())
            medication_reminders_sync(medication=obj)  # reminders
        return obj


class MedicationInline(CurrentRowsInlineMixin, _StampingInline):
    model = Medication
    past = staticmethod(medication_past)
    form = MedicationCheckForm
    formset_class = MedicationFormSet
    stamp_field = "entered_by"
    extra = 0
    # Stacked, not a 14-column table: each medicine fits the screen, the schedule and override fold away.
    template = "admin/edit_inline/stacked.html"
    fieldsets = [
        (
            None,
            {
                "fields": [
                    ("name", "generic_name"),
                    ("dose_text", "times_of_day"),
                    ("start_date", "stop_date"),
                    "flags",
                    "notes",
                ]
            },
        ),
        (
            # the schedule (intake log): dose times, days or every other day, as needed
            _("Dose schedule (intake log)"),
            {
                "classes": ["collapse"],
                "fields": ["dose_times", "dose_weekdays", ("every_other_day", "as_needed")],
            },
        ),
        (
            _("Override the medicine check"),
            {"classes": ["collapse"], "fields": ["override_state", "override_reason"]},
        ),
    ]
    readonly_fields = ["generic_name", "flags"]

    def get_queryset(self, request):
        # The medicine check's history of every row in one query (check_html reads it per row).
        return super().get_queryset(request).prefetch_related("findings")

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "dose_weekdays":
            return MedicationDaysField(label=_("dose days"), initial=mask_to_weekdays(EVERY_DAY))
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    @admin.display(description=_("medicine check (source, rule version, history)"))
    def flags(self, obj: Medication) -> str:
        return check_html(obj)


class MedicationHistoryInline(HistoryInline):
    model = Medication
    past = staticmethod(medication_past)
    history_order = ("-stop_date", "-pk")
    fields = readonly_fields = ("name", "generic_name", "dose_text", "start_date", "stop_date", "recognition")
    verbose_name_plural = _("Stopped medications")


class SeverityScoreInline(CurrentRowsInlineMixin, _StampingInline):
    model = SeverityScore
    past = staticmethod(severityscore_past)
    stamp_field = "entered_by"
    extra = 0
    fields = ["scored_on", "irls_total", "band"]
    readonly_fields = ["band"]
    verbose_name_plural = _("IRLS totals (clinician-entered; item wording is licensed and not stored)")

    @admin.display(description=_("band (source, rule version)"))
    def band(self, obj: SeverityScore) -> str:
        if not obj.pk:
            return "-"
        return format_html("{}<br>{}", obj.band, rule_source_html(severity.RULESET))


class SeverityScoreHistoryInline(HistoryInline):
    model = SeverityScore
    past = staticmethod(severityscore_past)
    history_order = ("-scored_on", "-pk")
    fields = readonly_fields = ("scored_on", "irls_total")
    verbose_name_plural = _("Earlier IRLS totals")


class DiaryEntryInline(PatientScopedInline):
    """The patient's own diary for the augmentation windows; clinicians read it, never write it."""

    model = DiaryEntry
    template = "admin/edit_inline/history.html"  # rows of text: no widgets to draw (history.py)
    extra = 0
    can_delete = False
    classes = ["collapse"]  # the summary at the top of the page charts the same nights
    fields = readonly_fields = ("date", "severity", "onset_time", "sleep_quality", "arms_involved", "note")
    verbose_name_plural = _("Diary (the patient's own entries, last four weeks)")

    def get_queryset(self, request):
        since = timezone.localdate() - timedelta(days=2 * augmentation.RECENT_NIGHTS)
        return super().get_queryset(request).filter(date__gte=since).order_by("-date")

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


CAREPLAN_INLINES = [
    FollowUpInline,
    FollowUpHistoryInline,
    LabResultInline,
    LabResultHistoryInline,
    MedicationInline,
    MedicationHistoryInline,
    SeverityScoreInline,
    SeverityScoreHistoryInline,
    *AUGMENTATION_INLINES,
    DiaryEntryInline,
]


class CarePlanChangeList(ChangeList):
    """Loads every listed patient's care-plan flags at once, so the columns add no per-row queries."""

    def get_results(self, request):
        super().get_results(request)
        flags = care_flags_for_patients(self.result_list)
        for patient in self.result_list:
            patient.care_flags = flags[patient.pk]


class CarePlanPatientListMixin:
    """Adds the iron, medication and augmentation columns to a Patient changelist."""

    careplan_columns = ["conditions_column", "iron_flag", "medication_flags", "augmentation_flag"]

    def get_changelist(self, request, **kwargs):
        return CarePlanChangeList

    def get_list_display(self, request):
        return [*super().get_list_display(request), *self.careplan_columns]  # type: ignore[misc]  # a ModelAdmin mixin

    @staticmethod
    def _flags(patient: Patient) -> PatientFlags:
        return getattr(patient, "care_flags", None) or PatientFlags()

    @admin.display(description=_("conditions"))
    def conditions_column(self, patient: Patient) -> str:
        return ", ".join(recorded_conditions(patient)) or "-"

    @admin.display(description=_("iron (latest)"))
    def iron_flag(self, patient: Patient) -> str:
        flags = self._flags(patient)
        if flags.latest_lab is None or flags.iron is None:  # both or neither
            return "-"
        lab = flags.latest_lab
        values = []
        if lab.ferritin is not None:
            values.append(f"ferritin {lab.ferritin} {lab.ferritin_unit}")
        if lab.tsat is not None:
            values.append(f"TSAT {lab.tsat}%")
        return format_html(
            "{} {} ({}): {}<br><small>{}</small>",
            FLAG if flags.iron.flagged else "",
            ", ".join(values),
            lab.drawn_on.isoformat(),
            flags.iron.note,
            flags.iron.rule_version,
        )

    @admin.display(description=_("medication flags"))
    def medication_flags(self, patient: Patient) -> str:
        flags = self._flags(patient)
        parts = []
        if flags.dopaminergic:
            parts.append(str(_("dopaminergic: %(names)s")) % {"names": ", ".join(flags.dopaminergic)})
        if flags.may_worsen:
            parts.append(str(_("may worsen RLS: %(names)s")) % {"names": ", ".join(flags.may_worsen)})
        if flags.to_check:  # never shown like a safe medicine (the medicine check's "?")
            parts.append(str(_("not recognised: check it: %(names)s")) % {"names": ", ".join(flags.to_check)})
        return f"{FLAG} " + "; ".join(parts) if parts else "-"

    @admin.display(description=_("augmentation screening"))
    def augmentation_flag(self, patient: Patient) -> str:
        finding = self._flags(patient).augmentation  # the latest stored finding
        if finding is None:
            return "-"
        return format_html("{}<br><small>{}</small>", finding_html(finding), review_html(finding))


class DueFilter(admin.SimpleListFilter):
    title = _("when")
    parameter_name = "when"

    def lookups(self, request, model_admin):
        return [("overdue", _("Overdue")), ("soon", _("Due soon"))]

    def queryset(self, request, queryset):
        if self.value() == "overdue":
            return queryset.filter(due_date__lt=timezone.localdate())
        if self.value() == "soon":
            return queryset.filter(due_date__gte=timezone.localdate())
        return queryset


@admin.register(DueFollowUp)
class DueFollowUpAdmin(PatientScopedAdmin):
    """Planned follow-ups of the clinician's patients, overdue or due within CAREPLAN_DUE_SOON_DAYS."""

    list_display = ["due_date", "when", "patient_link", "track", "title_display", "repeats"]
    list_display_links = None
    list_filter = ["track", DueFilter, "kind"]
    list_select_related = ["patient__user"]
    search_fields = ["patient__user__email", "patient__user__first_name", "patient__user__last_name", "title"]
    actions = ["mark_done_today"]
    fields = readonly_fields = (
        "patient",
        "track",
        "kind",
        "title",
        "due_date",
        "recurrence_weeks",
        "status",
        "notes",
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return due_followups(queryset=super().get_queryset(request), today=timezone.localdate())

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    @admin.display(description=_("patient"), ordering="patient__user__email")
    def patient_link(self, obj: FollowUp) -> str:
        url = reverse("admin:checklists_patient_change", args=[obj.patient_id])
        return format_html('<a href="{}">{}</a>', url, obj.patient)

    @admin.display(description=_("follow-up"))
    def title_display(self, obj: FollowUp) -> str:
        return obj.display_title

    @admin.display(description=_("repeats"))
    def repeats(self, obj: FollowUp) -> str:
        return _("every %(n)d weeks") % {"n": obj.recurrence_weeks} if obj.recurrence_weeks else "-"

    @admin.display(description=_("status"))
    def when(self, obj: FollowUp) -> str:
        days = (obj.due_date - obj.patient.local_today()).days
        if days < 0:
            return format_html("{} {}", FLAG, _("overdue by %(n)d days") % {"n": -days})
        if days == 0:
            return str(_("due today"))
        return str(_("due in %(n)d days") % {"n": days})

    @admin.action(
        description=_("Mark as done today (plans the next one if it repeats)"), permissions=["change"]
    )
    def mark_done_today(self, request: HttpRequest, queryset: QuerySet) -> None:
        followups = list(queryset.select_related("patient"))
        rolled = 0
        for followup in followups:
            today = followup.patient.local_today()
            rolled += (
                services.followup_complete(followup=followup, on=today, by=admin_user(request)) is not None
            )
        audit_objects(request=request, action=Action.CHANGE, objects=followups)  # one entry each
        self.message_user(
            request,
            _("%(n)d marked done; %(m)d next follow-ups planned.") % {"n": len(followups), "m": rolled},
            messages.SUCCESS,
        )
