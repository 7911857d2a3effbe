"""GET /api/v1/me/report/: the signed-in patient's own visit report, as a page or ``?format=pdf``.

The patient's version of the report (checklists/report/selectors.py, audience "patient"): no lab
interpretations, medication flags, augmentation watch or clinician notes. Not JSON, so the answer is
built here rather than by a renderer; errors (not signed in, a bad period) stay JSON like the rest of
the API. Downloading the PDF is written to the access log like "Download my data".
"""

from typing import Any

from django.http import HttpResponse
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.fields import empty
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.renderers import BaseRenderer
from rest_framework.request import Request

from checklists.api.serializers import QueryDateField
from checklists.api.views import COMMON, PatientAPIView
from checklists.report.html import report_html
from checklists.report.pdf import report_filename, report_pdf
from checklists.report.selectors import (
    REPORT_KIND,
    ReportPeriodError,
    report_period,
    visit_report_for,
)
from checklists.security.audit import Action, audit_record


class FirstRenderer(BaseContentNegotiation):
    """Always the view's first renderer (JSON, for errors): ``?format=`` chooses HTML or PDF here,
    not DRF's format suffix negotiation, which would refuse a format no renderer names."""

    def select_parser(self, request: Any, parsers: Any) -> Any:
        return parsers[0] if parsers else None

    def select_renderer(
        self, request: Any, renderers: Any, format_suffix: Any = None
    ) -> tuple[BaseRenderer, str]:
        return renderers[0], renderers[0].media_type


class QueryChoiceField(serializers.ChoiceField):
    """A choice from the query string; present but empty is an error, not the default."""

    def get_value(self, dictionary: Any) -> Any:
        return dictionary.get(self.field_name, empty)


class MeReportInput(serializers.Serializer):
    # "from" is a Python keyword: the field is declared below under its query name.
    to = QueryDateField(required=False, help_text=_("Last day; default today."))
    format = QueryChoiceField(choices=["html", "pdf"], default="html")


MeReportInput._declared_fields["from"] = QueryDateField(
    required=False, help_text=_("First day; default 12 weeks before the last.")
)


class MeReportView(PatientAPIView):
    content_negotiation_class = FirstRenderer

    @extend_schema(
        parameters=[MeReportInput],
        responses={
            (200, "text/html"): OpenApiResponse(OpenApiTypes.STR, description="The report page."),
            (200, "application/pdf"): OpenApiResponse(
                OpenApiTypes.BINARY, description="PDF/A-3b with fhir-bundle.json embedded."
            ),
            400: OpenApiResponse(OpenApiTypes.OBJECT, description="A bad period: the message says why."),
            **COMMON,
        },
        summary="Your report for your appointment",
        description=(
            "A one- or two-page summary of the chosen period (at most 26 weeks; default the last 12): "
            "iron results, IRLS totals, nights, checklists, medicines, follow-ups and your questions."
        ),
    )
    def get(self, request: Request) -> HttpResponse:
        patient = self.patient
        query = MeReportInput(data=request.query_params)
        query.is_valid(raise_exception=True)
        try:
            first, last = report_period(
                today=patient.local_today(),
                first=query.validated_data.get("from"),
                last=query.validated_data.get("to"),
            )
        except ReportPeriodError as error:
            raise ValidationError({"period": [str(error)]}) from None
        report = visit_report_for(patient=patient, first=first, last=last, audience="patient")
        if query.validated_data["format"] == "pdf":
            audit_record(
                request=request,
                action=Action.EXPORT,
                patient_id=patient.pk,
                kind=REPORT_KIND,
                object_id=patient.pk,
            )
            response = HttpResponse(
                report_pdf(report=report, patient=patient), content_type="application/pdf"
            )
            response["Content-Disposition"] = f'attachment; filename="{report_filename(patient, last)}"'
            return response
        pdf_query = urlencode({"from": first.isoformat(), "to": last.isoformat(), "format": "pdf"})
        pdf_url = f"{reverse('api:me-report')}?{pdf_query}"
        return HttpResponse(report_html(report, pdf_url=pdf_url, back_url="/"))
