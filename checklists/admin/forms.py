"""Forms of the clinicians' workspace."""

import zoneinfo
from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from checklists.accounts.invitations import invitation_open
from checklists.models import Assignment, AssignmentItem, ChecklistTemplate, Patient
from checklists.plan.rules import EVERY_DAY, WEEKDAY_NAMES, mask_to_weekdays, weekdays_to_mask

TIME_ZONE_CHOICES = [(name, name) for name in sorted(zoneinfo.available_timezones())]
WEEKDAY_CHOICES = [(str(day), name) for day, name in enumerate(WEEKDAY_NAMES)]


class WeekdaysField(forms.TypedMultipleChoiceField):
    """Weekday checkboxes that read and write the 7-bit mask stored on the model."""

    widget = forms.CheckboxSelectMultiple

    def __init__(self, **kwargs):
        kwargs.setdefault("choices", WEEKDAY_CHOICES)
        kwargs.setdefault("coerce", int)
        kwargs.setdefault("error_messages", {"required": _("Choose at least one day of the week.")})
        super().__init__(**kwargs)

    def prepare_value(self, value):
        if isinstance(value, int):
            return [str(day) for day in mask_to_weekdays(value)]
        return value

    def clean(self, value: Any) -> int:
        return weekdays_to_mask(super().clean(value))

    def has_changed(self, initial: Any, data: Any) -> bool:
        initial_mask = initial if isinstance(initial, int) else weekdays_to_mask(initial or [])
        try:
            return initial_mask != weekdays_to_mask(int(day) for day in data or [])
        except ValueError:
            return True


class PatientAddForm(forms.ModelForm):
    """Create a patient and their sign-in account; the invitation email goes out on save."""

    email = forms.EmailField(
        label=_("Email"), help_text=_("The invitation goes here; it is also the user name.")
    )
    first_name = forms.CharField(label=_("First name"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)
    time_zone = forms.ChoiceField(label=_("Time zone"), choices=TIME_ZONE_CHOICES, initial="UTC")

    class Meta:
        model = Patient
        fields = [
            "email",
            "first_name",
            "last_name",
            "time_zone",
            "language",
            "quiet_hours_start",
            "quiet_hours_end",
        ]

    def clean_email(self) -> str:
        email = get_user_model().objects.normalize_email(self.cleaned_data["email"]).lower()
        if _email_taken(email):
            raise forms.ValidationError(_("An account with this email address already exists."))
        return email


def _email_taken(email: str, *, except_user_id: int | None = None) -> bool:
    users = get_user_model().objects.all()
    if except_user_id is not None:
        users = users.exclude(pk=except_user_id)
    return users.filter(username__iexact=email).exists() or users.filter(email__iexact=email).exists()


class PatientChangeForm(forms.ModelForm):
    """A patient's settings; while the invitation is not accepted, also their email (a correction
    sends a fresh invitation to the new address, and older links stop working)."""

    email = forms.EmailField(
        label=_("Email"),
        help_text=_("Correcting it sends a fresh invitation here; the links sent before stop working."),
    )
    time_zone = forms.ChoiceField(label=_("Time zone"), choices=TIME_ZONE_CHOICES)

    class Meta:
        model = Patient
        fields = ["time_zone", "language", "quiet_hours_start", "quiet_hours_end", "care_team"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if invitation_open(patient=self.instance):
            self.fields["email"].initial = self.instance.user.email
        else:
            del self.fields["email"]  # shown read-only: the patient signs in with it

    def clean_email(self) -> str:
        email = get_user_model().objects.normalize_email(self.cleaned_data["email"]).lower()
        if _email_taken(email, except_user_id=self.instance.user_id):
            raise forms.ValidationError(_("An account with this email address already exists."))
        return email


class AssignmentInlineForm(forms.ModelForm):
    """A checklist on the patient's page: pick a library template for a new one; it is copied on save."""

    weekdays = WeekdaysField(label=_("Days"), initial=mask_to_weekdays(EVERY_DAY))

    class Meta:
        model = Assignment
        fields = ["template", "start_date", "end_date", "weekdays", "active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        template = self.fields["template"]
        assert isinstance(template, forms.ModelChoiceField)  # the form field of a foreign key
        template.queryset = ChecklistTemplate.objects.all()
        self.fields["template"].label = _("Checklist from the library")
        self.fields["start_date"].required = False
        self.fields["start_date"].help_text = _("Empty: the patient's today.")
        if self.instance.pk:
            # Items were copied when assigned: changing the template afterwards would mean nothing.
            self.fields["template"].disabled = True
            self.fields["template"].required = False
            self.fields["start_date"].required = True
        else:
            self.fields["template"].required = True

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        start, end = cleaned.get("start_date"), cleaned.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", _("The end date cannot be before the start date."))
        return cleaned


class AssignmentItemForm(forms.ModelForm):
    """One item of a patient's checklist; ticking "retired" stops it being due from now on."""

    retired = forms.BooleanField(label=_("Retired"), required=False)

    class Meta:
        model = AssignmentItem
        fields = ["position", "text", "help_text", "source", "weekly_target"]
        widgets = {"help_text": forms.Textarea(attrs={"rows": 2, "cols": 40})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["retired"].initial = self.instance.retired_at is not None

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        target = cleaned.get("weekly_target")
        # The inline's parent as posted (its weekdays may change in the same save), else the saved one.
        assignment = cleaned.get("assignment") or (
            self.instance.assignment if self.instance.assignment_id else None
        )
        if target and assignment is not None:
            open_days = len(mask_to_weekdays(assignment.weekdays))
            if target > open_days:
                self.add_error(
                    "weekly_target",
                    _("This checklist runs on %(days)d days a week: the target can be at most that.")
                    % {"days": open_days},
                )
        return cleaned


class AssignTemplateForm(forms.Form):
    """The bulk action's intermediate step: which template, from when."""

    template = forms.ModelChoiceField(label=_("Checklist"), queryset=ChecklistTemplate.objects.all())
    start_date = forms.DateField(
        label=_("Start date"),
        required=False,
        help_text=_("Empty: each patient's today."),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
