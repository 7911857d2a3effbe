"""GET/PATCH /api/v1/me/dose-times/: the patient's own time for each time of day a medicine is taken at.

A clinician enters a medicine as taken in the "morning", at "midday", in the "evening" or at "bedtime"
(or at an exact time); what those mean is the patient's: these times, else the clinic's defaults
(``settings.INTAKE_DEFAULT_TIMES``). Changing one moves that medicine's dose times (and reminders).
"""

from datetime import time

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from checklists.api.serializers import LocalTimeField
from checklists.api.views import COMMON, INVALID, PatientAPIView
from checklists.intake.rules import TIMES_OF_DAY, default_day_times, patient_day_times
from checklists.intake.services import patient_dose_times_set
from checklists.models import Patient


def _hhmm(times: dict[str, time]) -> dict[str, str]:
    return {name: times[name].strftime("%H:%M") for name in TIMES_OF_DAY}


class DoseTimesDefaultsOutput(serializers.Serializer):
    morning = serializers.CharField()
    midday = serializers.CharField()
    evening = serializers.CharField()
    bedtime = serializers.CharField()


class DoseTimesOutput(DoseTimesDefaultsOutput):
    defaults = DoseTimesDefaultsOutput(help_text="The clinic's defaults, used where the patient set none.")


class DoseTimesInput(serializers.Serializer):
    morning = LocalTimeField(required=False, allow_null=True, help_text="null: back to the default.")
    midday = LocalTimeField(required=False, allow_null=True)
    evening = LocalTimeField(required=False, allow_null=True)
    bedtime = LocalTimeField(required=False, allow_null=True)


class DoseTimesView(PatientAPIView):
    """The local times "morning", "midday", "evening" and "bedtime" mean for the signed-in patient."""

    @staticmethod
    def _answer(patient: Patient) -> Response:
        return Response({**_hhmm(patient_day_times(patient)), "defaults": _hhmm(default_day_times())})

    @extend_schema(responses={200: DoseTimesOutput, **COMMON}, summary="Your times of day for medicines")
    def get(self, request: Request) -> Response:
        return self._answer(self.patient)

    @extend_schema(
        request=DoseTimesInput,
        responses={200: DoseTimesOutput, 400: INVALID, **COMMON},
        summary="Change your times of day for medicines",
    )
    def patch(self, request: Request) -> Response:
        data = DoseTimesInput(data=request.data)
        data.is_valid(raise_exception=True)
        patient = patient_dose_times_set(patient=self.patient, times=data.validated_data)
        return self._answer(patient)
