"""GET /api/v1/careplan/: the signed-in patient's care plan, patient-safe fields only.

Clinician-only parts of the plan (lab interpretations, medication flags, the augmentation watch,
clinicians' notes, who entered what) are never serialised here: the Output serializers list every field
they send. Serializer names are prefixed CarePlan so the OpenAPI components stay unique.
"""

from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from checklists.api.views import PatientAPIView
from checklists.careplan import severity, wording
from checklists.careplan.safety import Situation
from checklists.careplan.selectors import care_plan_for
from checklists.intake import rules as intake_rules
from checklists.intake import selectors as intake_selectors
from checklists.models import Medication, SeverityScore
from checklists.plan.rules import mask_to_weekdays


class CarePlanFollowUpOutput(serializers.Serializer):
    id = serializers.IntegerField(source="followup.id")
    track = serializers.CharField(source="followup.track")
    kind = serializers.CharField(source="followup.kind")
    title = serializers.CharField(source="followup.display_title")
    due_date = serializers.DateField(source="followup.due_date")
    repeats_every_weeks = serializers.IntegerField(source="followup.recurrence_weeks", allow_null=True)
    overdue = serializers.BooleanField()
    days_until = serializers.IntegerField(help_text="Days from today to the due date; negative when overdue.")


class CarePlanTrackOutput(serializers.Serializer):
    track = serializers.CharField(source="track.value")
    label = serializers.CharField()  # type: ignore[assignment]  # a field, not Field.label
    next_due = CarePlanFollowUpOutput(allow_null=True, help_text="The next item not yet overdue.")
    overdue = CarePlanFollowUpOutput(many=True)


class CarePlanLabOutput(serializers.Serializer):
    drawn_on = serializers.DateField(source="result.drawn_on")
    ferritin = serializers.DecimalField(
        source="result.ferritin", max_digits=6, decimal_places=1, allow_null=True, coerce_to_string=False
    )
    ferritin_unit = serializers.CharField(source="result.ferritin_unit")
    tsat_percent = serializers.DecimalField(
        source="result.tsat", max_digits=4, decimal_places=1, allow_null=True, coerce_to_string=False
    )
    laboratory = serializers.CharField(source="result.laboratory")


class CarePlanDoseTimeOutput(serializers.Serializer):
    entered = serializers.CharField(
        help_text="As the clinician entered it: morning, midday, evening, bedtime, or a time as HH:MM."
    )
    time = serializers.CharField(help_text='The local time it means for this patient, "HH:MM".')


class CarePlanMedicationOutput(serializers.Serializer):
    """A current medicine. The schedule is only what the clinician entered; the app suggests nothing.

    Another day's dose times (for recording offline): none outside start_date/stop_date; with
    every_other_day, only days an even number of days from start_date; else only weekdays in ``days``;
    on a dose day, the sorted distinct ``dose_times[].time``.
    """

    id = serializers.IntegerField(help_text="The medication id intake ops name.")
    name = serializers.CharField()
    dose = serializers.CharField(source="dose_text")
    times_of_day = serializers.CharField()
    start_date = serializers.DateField(allow_null=True)
    stop_date = serializers.DateField(allow_null=True)
    review_with_clinician = serializers.BooleanField(source="may_worsen_rls")
    review_note = serializers.SerializerMethodField(help_text="Shown with the medicine when set.")

    as_written = serializers.SerializerMethodField(
        help_text="When it is taken, as the clinician wrote it: show it as is."
    )
    as_needed = serializers.BooleanField(help_text="Taken as needed: no schedule; record extra doses.")
    dose_times = serializers.SerializerMethodField()
    days = serializers.SerializerMethodField(help_text="The weekdays it is taken on, 0 = Monday.")
    every_other_day = serializers.BooleanField(help_text="Every other day, counted from start_date.")
    schedule = serializers.SerializerMethodField(
        help_text='The dose times on the patient\'s today, local "HH:MM", sorted; empty when taken as needed '
        "or not taken today. A taken or skipped intake op names one of them as its slot."
    )

    def get_review_note(self, obj: Medication) -> str | None:
        return str(wording.MEDICATION_REVIEW_NOTE) if obj.may_worsen_rls else None

    def get_as_written(self, obj: Medication) -> str:
        return intake_selectors.as_written(obj)

    @extend_schema_field(CarePlanDoseTimeOutput(many=True))
    def get_dose_times(self, obj: Medication) -> list[dict[str, str]]:
        if obj.as_needed:
            return []
        try:
            tokens = intake_rules.parse_dose_times(obj.dose_times)
        except ValueError:
            return []
        day_times = self.context["day_times"]
        return [{"entered": token, "time": intake_rules.resolve(token, day_times)} for token in tokens]

    def get_days(self, obj: Medication) -> list[int]:
        return mask_to_weekdays(obj.dose_weekdays)

    def get_schedule(self, obj: Medication) -> list[str]:
        return intake_rules.dose_slots_on(obj, self.context["today"], day_times=self.context["day_times"])


class CarePlanSeverityOutput(serializers.Serializer):
    scored_on = serializers.DateField()
    irls_total = serializers.IntegerField()
    band = serializers.CharField()
    band_range = serializers.SerializerMethodField(
        help_text='The totals of the band, e.g. "11-20" (with an en dash).'
    )
    meaning = serializers.SerializerMethodField(help_text="What the IRLS total and its bands mean.")

    def get_band_range(self, obj: SeverityScore) -> str:
        return wording.band_totals(severity.irls_band(obj.irls_total))

    def get_meaning(self, obj: SeverityScore) -> str:
        return f"{wording.IRLS_MEANING} {wording.irls_scale()}"


class CarePlanContactOutput(serializers.Serializer):
    name = serializers.CharField()
    phone = serializers.CharField()
    email = serializers.CharField()
    hours = serializers.CharField()


class CarePlanSafetyNetOutput(serializers.Serializer):
    situations = serializers.ListField(
        source="safety",
        child=serializers.ChoiceField(choices=[situation.value for situation in Situation]),
        help_text=(
            "The safety-net situations whose lines apply to this patient now, in order: vein_procedure "
            "(after a recorded vein procedure, until the follow-up duplex scan is done), iron_infusion "
            "(an infusion planned, or done and no iron result since), dopamine_medicine (on a dopamine "
            "agonist or levodopa). The words are the app's (checklists/careplan/wording.py), in the page."
        ),
    )


class CarePlanOutput(serializers.Serializer):
    heading = serializers.CharField()
    disclaimer = serializers.CharField(help_text="The page must show this.")
    today = serializers.DateField(help_text="The patient's local date the plan was computed for.")
    tracks = CarePlanTrackOutput(many=True)
    timeline = CarePlanFollowUpOutput(many=True, help_text="Overdue, then upcoming (next 90 days), by date.")
    labs = CarePlanLabOutput(many=True, help_text="Most recent first.")
    medications = CarePlanMedicationOutput(many=True)
    severity = CarePlanSeverityOutput(allow_null=True)
    contact = CarePlanContactOutput(
        allow_null=True,
        help_text="Whom to contact about the plan: the patient's clinic, else CLINIC_CONTACT; null: neither.",
    )
    safety_net = CarePlanSafetyNetOutput(
        source="*", help_text="Which lines of 'When to seek care now' the care plan adds for this patient."
    )


class CarePlanView(PatientAPIView):
    Output = CarePlanOutput

    @extend_schema(
        responses=CarePlanOutput,
        summary="Your care team's plan",
        description=(
            "The iron, vascular and medication follow-up tracks with what is next and what is overdue, "
            "a timeline of the coming weeks, recent iron results, current medications (each with its id and "
            "today's dose times, only as the clinician entered them) and the latest "
            "IRLS total with what its band means, whom to contact, plus the disclaimer the page must show. "
            "Patient-safe fields only."
        ),
    )
    def get(self, request: Request) -> Response:
        patient = self.patient
        plan = care_plan_for(patient=patient, today=patient.local_today())
        context = {"today": plan.today, "day_times": intake_rules.patient_day_times(patient)}
        return Response(self.Output(plan, context=context).data)
