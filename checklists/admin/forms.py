"""Forms of the clinicians' workspace."""

import zoneinfo
from datetime import date
from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.forms.formsets import DELETION_FIELD_NAME
from django.utils.translation import gettext_lazy as _

from checklists.accounts.invitations import invitation_open
from checklists.admin.scoping import PatientScopedFormSet
from checklists.careplan.conditions import CONDITION_FORM_FIELDS
from checklists.models import Assignment, AssignmentItem, ChecklistTemplate, Patient
from checklists.plan.assigning import assignments_with_history, periods_overlap, running_duplicates
from checklists.plan.rules import EVERY_DAY, WEEKDAY_NAMES, mask_to_weekdays, weekdays_to_mask

# The confirmation a clinician ticks to take themselves off a patient's care team.
LEAVE_CARE_TEAM = "leave_care_team"
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
    # Typed, not a list of 600 zones (a third of the patient's page); still only an IANA name is accepted.
    time_zone = forms.ChoiceField(
        label=_("Time zone"),
        choices=TIME_ZONE_CHOICES,
        widget=forms.TextInput(attrs={"size": 24, "autocomplete": "off", "spellcheck": "false"}),
        help_text=_("An IANA time zone name, e.g. Europe/Berlin or America/New_York."),
    )
    leave_care_team = forms.BooleanField(
        label=_("Yes, remove me from this care team"),
        required=False,
        help_text=_("You will no longer see this patient; a colleague on the care team can add you again."),
    )
    # The clinician saving the form (set by the admin): removing themselves asks first.
    requesting_user: Any = None

    class Meta:
        model = Patient
        fields = [
            "time_zone",
            "language",
            "quiet_hours_start",
            "quiet_hours_end",
            "care_team",
            *CONDITION_FORM_FIELDS,
        ]
        widgets = {
            "date_of_birth": forms.DateInput(attrs={"type": "date"}),
            "pregnancy_due_date": forms.DateInput(attrs={"type": "date"}),
        }

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

    def clean_care_team(self) -> Any:
        team = self.cleaned_data.get("care_team")
        if not team:
            raise forms.ValidationError(
                _("A patient needs at least one clinician on their care team: tick at least one.")
            )
        return team

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        user = self.requesting_user
        team = cleaned.get("care_team")
        leaving = (
            user is not None
            and team is not None
            and user not in team
            and self.instance.pk is not None
            and self.instance.care_team.filter(pk=user.pk).exists()
        )
        if leaving and not cleaned.get(LEAVE_CARE_TEAM):
            self.add_error(
                "care_team",
                _(
                    "You are removing yourself from this patient's care team: you will no longer see "
                    'their record. Tick "Yes, remove me" and save again, or tick your name to stay.'
                ),
            )
        return cleaned


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


class AssignmentFormSet(PatientScopedFormSet):
    """The checklists on a patient's page. One with check-offs has no "Delete?" tick (it is ended:
    untick Active or set an end date), and a checklist already running cannot be added again."""

    def _history(self) -> set[int]:
        # One query for the page's rows (not self.forms: this runs while the forms are being built).
        if not hasattr(self, "_history_ids"):
            ids = list(self.get_queryset().values_list("pk", flat=True))
            self._history_ids = assignments_with_history(assignment_ids=ids)
        return self._history_ids

    def add_fields(self, form, index):
        super().add_fields(form, index)
        if self.can_delete and form.instance.pk is not None and form.instance.pk in self._history():
            # Nothing to tick, and a tick posted anyway is ignored (a disabled field keeps its initial).
            form.fields[DELETION_FIELD_NAME] = forms.BooleanField(
                required=False, disabled=True, widget=forms.HiddenInput
            )

    def clean(self) -> None:
        super().clean()
        patient = self.instance
        leaving = [form.instance.pk for form in self.deleted_forms if form.instance.pk is not None]
        added: list[tuple[Any, date, date | None]] = []
        for form in self.forms:
            cleaned = getattr(form, "cleaned_data", None)
            if not cleaned or form.instance.pk is not None or cleaned.get(DELETION_FIELD_NAME):
                continue
            template = cleaned.get("template")
            if template is None:
                continue
            start = cleaned.get("start_date") or patient.local_today()
            end = cleaned.get("end_date")
            running = running_duplicates(
                patients=[patient], template=template, start_date=start, end_date=end, exclude_ids=leaving
            ).get(patient.pk)
            twice = any(
                other == template and periods_overlap(start, end, other_start, other_end)
                for other, other_start, other_end in added
            )
            if running is not None:
                form.add_error(
                    "template",
                    _("“%(name)s” is already in this plan (from %(start)s): change that one's dates instead.")
                    % {"name": template.name, "start": running.start_date.isoformat()},
                )
            elif twice:
                form.add_error("template", _("“%(name)s” is added twice here.") % {"name": template.name})
            else:
                added.append((template, start, end))


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
    """The bulk action's intermediate step: which template, from when to when, on which days (the
    same choices as a checklist added on the patient's page)."""

    template = forms.ModelChoiceField(label=_("Checklist"), queryset=ChecklistTemplate.objects.all())
    start_date = forms.DateField(
        label=_("Start date"),
        required=False,
        help_text=_("Empty: each patient's today."),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    end_date = forms.DateField(
        label=_("End date"),
        required=False,
        help_text=_("Empty: no end."),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    weekdays = WeekdaysField(
        label=_("Days"),
        initial=mask_to_weekdays(EVERY_DAY),
        required=False,
        help_text=_("None ticked: every day."),
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not cleaned.get("weekdays"):
            cleaned["weekdays"] = EVERY_DAY
        start, end = cleaned.get("start_date"), cleaned.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", _("The end date cannot be before the start date."))
        if end and not start:
            self.add_error("start_date", _("Set a start date when you set an end date."))
        return cleaned
