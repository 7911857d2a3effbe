"""GET /api/v1/me/fhir/: the signed-in patient's record as a FHIR R4 Bundle, the patient's version.

The same Bundle as ``fhir.json`` in "Download my data": what the care plan lets the patient see, without
the clinician-only parts (lab interpretations, clinicians' notes, DetectedIssue flags). Each download is
written to the access log.
"""

import json

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.request import Request

from checklists.api.views import COMMON, PatientAPIView
from checklists.fhir.export import FHIR_JSON, PATIENT, patient_bundle
from checklists.fhir.views import AUDIT_KIND
from checklists.security.audit import Action, audit_record


class FhirExportView(PatientAPIView):
    @extend_schema(
        summary="My record as FHIR",
        description=(
            "The signed-in patient's record as a FHIR R4 Bundle (type collection): Patient, Condition, "
            "Observations (ferritin, TSAT, IRLS totals, diary values), MedicationStatements, the CarePlan "
            "and a Task per follow-up. Clinician-only parts are left out. Written to the access log."
        ),
        responses={
            (200, FHIR_JSON): OpenApiResponse(OpenApiTypes.OBJECT, description="A FHIR R4 Bundle."),
            **COMMON,
        },
    )
    def get(self, request: Request) -> HttpResponse:
        patient = self.patient
        bundle = patient_bundle(patient=patient, audience=PATIENT)
        audit_record(
            request=request._request,
            action=Action.EXPORT,
            patient_id=patient.pk,
            kind=AUDIT_KIND,
            object_id=patient.pk,
        )
        response = HttpResponse(json.dumps(bundle, ensure_ascii=False), content_type=FHIR_JSON)
        response["Cache-Control"] = "no-store"
        return response
