"""GET /api/v1/careplan/: the signed-in patient's care plan, patient-safe fields only.

Clinician-only parts of the plan (lab interpretations, medication flags, the augmentation watch,
clinicians' notes, who entered what) are never serialised here: the Output serializers list every field
they send. Serializer names are prefixed CarePlan so the OpenAPI components stay unique.
"""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from checklists.api.views import PatientAPIView
from checklists.careplan import severity, wording
from checklists.careplan.selectors import care_plan_for
from checklists.models import Medication, SeverityScore


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


class CarePlanMedicationOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    dose = serializers.CharField(source="dose_text")
    times_of_day = serializers.CharField()
    start_date = serializers.DateField(allow_null=True)
    stop_date = serializers.DateField(allow_null=True)
    review_with_clinician = serializers.BooleanField(source="may_worsen_rls")
    review_note = serializers.SerializerMethodField(help_text="Shown with the medicine when set.")

    def get_review_note(self, obj: Medication) -> str | None:
        return str(wording.MEDICATION_REVIEW_NOTE) if obj.may_worsen_rls else None


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
        allow_null=True, help_text="Whom to contact about the plan (CLINIC_CONTACT); null when unset."
    )


class CarePlanView(PatientAPIView):
    Output = CarePlanOutput

    @extend_schema(
        responses=CarePlanOutput,
        summary="Your care team's plan",
        description=(
            "The iron, vascular and medication follow-up tracks with what is next and what is overdue, "
            "a timeline of the coming weeks, recent iron results, current medications and the latest "
            "IRLS total with what its band means, whom to contact, plus the disclaimer the page must show. "
            "Patient-safe fields only."
        ),
    )
    def get(self, request: Request) -> Response:
        plan = care_plan_for(patient=self.patient, today=self.patient.local_today())
        return Response(self.Output(plan).data)
