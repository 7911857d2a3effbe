"""The medicine check in the medication inline: the finding, its source and rule version, the override.

``MedicationCheckForm`` adds two fields to each medication row: a clinician's override of the finding
and the reason (required with an override). ``check_html`` renders what the inline shows beside the
flag: the state, what the name resolved to and from which source, the rule version, the override with
who, when and why, and the earlier findings kept in history.
"""

from django import forms
from django.contrib.auth.models import User
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from checklists.admin.sources import rule_source_html
from checklists.careplan import medication_services, medications
from checklists.models import Medication, MedicationFinding
from checklists.models.careplan import MedicationRecognition

FLAG = "⚑"
CHECK = "?"
# How many earlier findings the inline lists under the current one.
HISTORY_SHOWN = 3

_MARK = {
    MedicationRecognition.DOPAMINERGIC: FLAG,
    MedicationRecognition.MAY_WORSEN_RLS: FLAG,
    MedicationRecognition.NOT_RECOGNISED: CHECK,
}


class MedicationCheckForm(forms.ModelForm):
    override_state = forms.ChoiceField(
        label=_("override the medicine check"),
        choices=[("", _("no override")), *list(MedicationRecognition.choices)],
        required=False,
    )
    override_reason = forms.CharField(
        label=_("override reason"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 30}),
        help_text=_("Required with an override; kept in the medicine's history."),
    )

    class Meta:
        model = Medication
        fields = ["name", "dose_text", "times_of_day", "start_date", "stop_date", "notes"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The inline prefetches every row's findings (MedicationInline): read the current one from there.
        prefetched = getattr(self.instance, "_prefetched_objects_cache", {}).get("findings")
        if prefetched is not None:
            finding = next((f for f in prefetched if f.superseded_at is None), None)
        else:
            finding = medication_services.current_finding(self.instance)
        if finding is not None:
            self.fields["override_state"].initial = finding.override_state
            self.fields["override_reason"].initial = finding.override_reason

    def clean(self):
        cleaned = super().clean() or {}
        if cleaned.get("override_state") and not (cleaned.get("override_reason") or "").strip():
            self.add_error("override_reason", _("Say why you override the medicine check."))
        return cleaned


def medication_check_saved(*, medication: Medication, form: forms.ModelForm, by: User | None) -> None:
    """After the inline saved a row: record the finding, then the override if the clinician changed it."""
    match = medications.match_medication(medication.name)
    medication_services.medication_finding_sync(medication=medication, match=match)
    if {"override_state", "override_reason"} & set(form.changed_data):
        medication_services.medication_override(
            medication=medication,
            state=form.cleaned_data.get("override_state") or "",
            reason=form.cleaned_data.get("override_reason") or "",
            by=by,
        )


def _finding_line(finding: MedicationFinding) -> SafeString:
    return format_html(
        "{} {}: {} ({})",
        finding.created_at.date().isoformat(),
        finding.name,
        finding.get_state_display(),
        finding.rule_version,
    )


def check_html(medication: Medication) -> SafeString:
    """The state with its source and rule version, the override, and the earlier findings."""
    if medication.pk is None:
        return mark_safe("-")  # a constant
    state = MedicationRecognition(medication.recognition)
    findings = list(medication.findings.all()[: HISTORY_SHOWN + 1])
    current = next((f for f in findings if f.superseded_at is None), None)
    parts = [format_html("{} <strong>{}</strong>", _MARK.get(state, ""), state.label)]
    if current is not None:
        if current.ingredients:
            parts.append(format_html("{} {}", _("ingredients:"), current.ingredients))
        if current.classes:
            parts.append(format_html("{} {}", _("class:"), current.classes))
        parts.append(format_html("<small>{} {}</small>", _("resolved:"), current.source))
        if current.override_state:
            parts.append(
                format_html(
                    "{} {} {} {}: {} ({} {})",
                    _("override by"),
                    current.overridden_by or _("unknown"),
                    _("on"),
                    current.overridden_at.date().isoformat() if current.overridden_at else "",
                    current.override_reason,
                    _("finding was:"),
                    current.get_state_display(),
                )
            )
    parts.append(rule_source_html(medications.RULESET, rule_version=medication.rule_version))
    earlier = [f for f in findings if f.superseded_at is not None][:HISTORY_SHOWN]
    if earlier:
        history = format_html_join("; ", "{}", ((_finding_line(f),) for f in earlier))
        parts.append(format_html("<small>{} {}</small>", _("earlier:"), history))
    return format_html_join(mark_safe("<br>"), "{}", ((part,) for part in parts))
