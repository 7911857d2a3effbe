"""Thin API views: validate, call a service or selector, respond."""

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from checklists.api.permissions import IsPatient
from checklists.api.serializers import MeOutput


class PatientAPIView(APIView):
    """Base for every patient endpoint: signed-in patients only."""

    permission_classes = [IsPatient]

    @property
    def patient(self):
        return self.request.user.patient


class MeView(PatientAPIView):
    @extend_schema(responses=MeOutput)
    def get(self, request: Request) -> Response:
        return Response(MeOutput(self.patient).data)
