"""The intake log on the patient's admin page: per medicine, doses taken of those scheduled over the last
7 and 30 complete days, extra (as-needed) doses per week, and the reasons given for skipped doses.

Read-only: the patient records doses from the app; the figures come from
``checklists.intake.selectors.intake_adherence_for`` (three queries however many medicines).
"""

from django.contrib import admin
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from checklists.admin.forms import WeekdaysField
from checklists.intake import rules
from checklists.intake.selectors import MedicationAdherence, intake_adherence_for
from checklists.models import Patient
from checklists.plan.rules import EVERY_DAY, adherence_label


class MedicationDaysField(WeekdaysField):
    """The medicine's dose days as weekday checkboxes; none ticked is every day (no day left out)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("help_text", _("None ticked: every day."))
        super().__init__(**kwargs)

    def clean(self, value):
        return super().clean(value) or EVERY_DAY


def _taken(window: rules.IntakeWindow) -> str:
    if not window.scheduled:
        return "-"
    return f"{round(100 * window.taken / window.scheduled)}% ({window.taken}/{window.scheduled})"


def _row(row: MedicationAdherence) -> tuple:
    short, long = row.windows[0], row.windows[-1]
    reasons = "; ".join(
        str(_("%(reason)s (%(count)d, last %(day)s)"))
        % {"reason": reason.reason, "count": reason.count, "day": reason.last_date.isoformat()}
        for reason in row.skipped_reasons
    )
    return (
        row.name,
        row.as_written or (_("as needed") if row.as_needed else "-"),
        _taken(short),
        _taken(long),
        f"{short.skipped} / {long.skipped}",
        f"{short.extra_per_week:.1f} / {long.extra_per_week:.1f}",
        reasons or "-",
    )


def intake_adherence_html(patient: Patient) -> SafeString:
    """Return the intake table of ``patient``'s medicines, or a line saying there is none."""
    rows = intake_adherence_for(patient=patient)
    times = rules.patient_day_times(patient)
    own = ", ".join(f"{rules.TIME_OF_DAY_LABELS[name]} {times[name]:%H:%M}" for name in rules.TIMES_OF_DAY)
    if not rows:
        return format_html("<p>{}</p>", _("No medicines in the last 30 days."))
    short, long = (
        adherence_label(days)
        for days in (rules.INTAKE_ADHERENCE_WINDOWS[0], rules.INTAKE_ADHERENCE_WINDOWS[-1])
    )
    header = format_html_join(
        "",
        "<th>{}</th>",
        (
            (_("medicine"),),
            (_("when, as entered"),),
            (format_html("{}<br>{}", _("taken / scheduled"), short),),
            (format_html("{}<br>{}", _("taken / scheduled"), long),),
            (_("skipped (7 / 30 days)"),),
            (_("extra doses per week (7 / 30 days)"),),
            (_("reasons for skipping (most recent first)"),),
        ),
    )
    body = format_html_join("", "<tr>" + "<td>{}</td>" * 7 + "</tr>", (_row(row) for row in rows))
    return format_html(
        '<table class="intake-adherence"><thead><tr>{}</tr></thead><tbody>{}</tbody></table>'
        "<p><small>{}: {}</small></p>",
        header,
        body,
        _("The patient's times of day"),
        own,
    )


class IntakeAdherencePatientAdminMixin:
    """Adds the read-only ``intake_adherence`` block to the patient's page."""

    @admin.display(description=_("intake log"))
    def intake_adherence(self, obj: Patient) -> SafeString:
        if obj is None or obj.pk is None:
            return format_html("{}", "-")
        return intake_adherence_html(obj)
