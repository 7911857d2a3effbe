"""The augmentation screening on the clinician's patient page and list.

On the patient's page: the baseline period the clinician picks (empty: the first weeks on the
dopaminergic drug) and the stored findings, newest first, each with its evidence, its source and rule
version, and a "mark reviewed" tick with a note. In the patient list: the action "Mark possible
augmentation reviewed". The admin only reads stored findings; saving the page screens again.
"""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import Model, QuerySet
from django.forms import ModelForm
from django.http import HttpRequest
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from checklists.admin.scoping import PatientScopedFormSet, PatientScopedInline, admin_user
from checklists.admin.sources import rule_source_html
from checklists.careplan import augmentation, augmentation_services
from checklists.careplan.augmentation import AugmentationStatus, evidence_text
from checklists.models import AccessLog, AugmentationBaseline, AugmentationFinding, Patient
from checklists.security.audit import audit_objects

FLAG = "⚑"


def finding_html(finding: AugmentationFinding) -> str:
    """Return a finding as the clinician reads it: status, criteria, reasons, evidence, source."""
    evidence = finding.evidence or {}
    criteria = evidence.get("criteria_met") or []
    if finding.flagged:
        met = (
            str(_("MPI criteria appearing met: %(criteria)s")) % {"criteria": ", ".join(criteria)}
            if criteria
            else str(_("no MPI criterion fully met; signs seen"))
        )
        headline = format_html("{} <strong>{}</strong> ({})", FLAG, finding.get_status_display(), met)
    else:
        headline = format_html("{}", finding.get_status_display())
    reasons = format_html_join("", "<br>{}", ((r,) for r in evidence.get("reasons", [])))
    return format_html(
        "{}{}<br><small>{}</small><br>{}",
        headline,
        reasons,
        evidence_text(evidence) if evidence else "",
        rule_source_html(augmentation.RULESET, rule_version=finding.rule_version),
    )


def review_html(finding: AugmentationFinding) -> str:
    """Return who reviewed ``finding`` and when, or that it is not reviewed."""
    if finding.reviewed_at is None:
        return str(_("not reviewed")) if finding.flagged else "-"
    who = finding.reviewed_by.get_full_name() or finding.reviewed_by.email if finding.reviewed_by else ""
    return format_html(
        "{} {:%Y-%m-%d %H:%M} {}<br><small>{}</small>",
        _("reviewed"),
        finding.reviewed_at,
        who,
        finding.review_note,
    )


class AugmentationBaselineFormSet(PatientScopedFormSet):
    """Records who picked the baseline."""

    request: HttpRequest | None = None

    def save_new(self, form, commit=True):
        obj = form.save(commit=False)
        if self.request is not None:
            obj.set_by = admin_user(self.request)
        if commit:
            obj.save()
        return obj

    def save_existing(self, form, obj, commit=True):
        obj = form.save(commit=False)
        if self.request is not None:
            obj.set_by = admin_user(self.request)
        if commit:
            obj.save()
        return obj


class AugmentationBaselineInline(PatientScopedInline):
    model = AugmentationBaseline
    formset = AugmentationBaselineFormSet
    extra = 0
    max_num = 1
    fields = ["start", "end", "note"]
    verbose_name = _("augmentation baseline")
    verbose_name_plural = _(
        "Augmentation baseline (empty: the first %(weeks)d weeks after the dopaminergic drug's start date)"
    ) % {"weeks": augmentation.BASELINE_WEEKS}

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.request = request  # read by AugmentationBaselineFormSet
        return formset


class AugmentationFindingForm(ModelForm):
    mark_reviewed = forms.BooleanField(label=_("mark reviewed"), required=False)

    class Meta:
        model = AugmentationFinding
        fields = ["review_note"]
        widgets = {"review_note": forms.Textarea(attrs={"rows": 2, "cols": 30})}


class AugmentationFindingFormSet(PatientScopedFormSet):
    """Only "mark reviewed" (with its note) is written, through the service; nothing else changes."""

    request: HttpRequest | None = None

    def save_existing(self, form, obj, commit=True):
        if commit and form.cleaned_data.get("mark_reviewed") and self.request is not None:
            augmentation_services.augmentation_findings_review(
                findings=[obj], by=admin_user(self.request), note=form.cleaned_data.get("review_note", "")
            )
            obj.refresh_from_db()
        return obj


class AugmentationFindingInline(PatientScopedInline):
    model = AugmentationFinding
    form = AugmentationFindingForm
    formset = AugmentationFindingFormSet
    extra = 0
    can_delete = False
    fields = ["computed_at", "checked_at", "finding", "review", "mark_reviewed", "review_note"]
    readonly_fields = ["computed_at", "checked_at", "finding", "review"]
    verbose_name_plural = _(
        "Augmentation screening (a prompt for the clinician from the diary, never a diagnosis; not shown"
        " to the patient)"
    )

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("reviewed_by").order_by("-computed_at", "-id")

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.request = request  # read by AugmentationFindingFormSet
        return formset

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    @admin.display(description=_("finding and evidence"))
    def finding(self, obj: AugmentationFinding) -> str:
        return finding_html(obj)

    @admin.display(description=_("review"))
    def review(self, obj: AugmentationFinding) -> str:
        return review_html(obj)


AUGMENTATION_INLINES = [AugmentationBaselineInline, AugmentationFindingInline]


class AugmentationPatientAdminMixin:
    """For the Patient admin: screen again after the page is saved, and the "mark reviewed" action."""

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: Any) -> None:
        super().save_related(request, form, formsets, change)  # type: ignore[misc]  # a ModelAdmin mixin
        # Medications or the baseline may have changed: the stored finding follows them.
        augmentation_services.augmentation_screen_after_commit(patient=form.instance)

    @admin.action(description=_("Mark possible augmentation reviewed"))
    def augmentation_mark_reviewed(self, request: HttpRequest, queryset: QuerySet[Patient]) -> None:
        findings = list(
            AugmentationFinding.objects.filter(
                patient__in=queryset, status=AugmentationStatus.FLAGGED, reviewed_at__isnull=True
            )
        )
        count = augmentation_services.augmentation_findings_review(findings=findings, by=admin_user(request))
        # Each finding marked is a change; a selected patient with none to mark was still looked at.
        audit_objects(request=request, action=AccessLog.Action.CHANGE, objects=findings)
        marked = {finding.patient_id for finding in findings}
        looked_at = [patient for patient in queryset if patient.pk not in marked]
        audit_objects(request=request, action=AccessLog.Action.VIEW, objects=looked_at, patient_lookup="")
        if not count:
            nothing = _("Nothing to mark: no selected patient has an unreviewed possible augmentation.")
            self.message_user(request, nothing, messages.WARNING)  # type: ignore[attr-defined]  # a ModelAdmin mixin
            return
        message = ngettext(
            "%(count)d augmentation finding marked reviewed.",
            "%(count)d augmentation findings marked reviewed.",
            count,
        ) % {"count": count}
        self.message_user(request, message, messages.SUCCESS)  # type: ignore[attr-defined]  # a ModelAdmin mixin
