"""The visit report on the patient's admin page: HTML to read or print, ``?format=pdf`` to file.

Scoped like the patient's own page (another clinician's patient is a 404) and written to the access log:
a "view" for the page, an "export" for the PDF.
"""

from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, path, reverse
from django.utils.http import urlencode

from checklists.admin.scoping import _AdminBase
from checklists.models import Patient
from checklists.report.html import report_html
from checklists.report.pdf import report_filename, report_pdf
from checklists.report.selectors import (
    REPORT_KIND,
    ReportPeriodError,
    report_period_from_query,
    visit_report_for,
)
from checklists.security.audit import Action, audit_record


class VisitReportAdminMixin(_AdminBase):
    """Adds "Visit report" to a Patient admin: one URL, scoped like the patient's change page."""

    def get_urls(self) -> list[URLPattern]:
        info = self.opts.app_label, self.opts.model_name
        own = [
            path(
                "<path:object_id>/report/",
                self.admin_site.admin_view(self.visit_report_view),
                name=f"{info[0]}_{info[1]}_report",
            )
        ]
        return own + super().get_urls()

    def visit_report_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        patient = self.get_object(request, unquote(object_id))  # another clinician's patient: 404
        assert isinstance(patient, Patient)
        if not self.has_view_permission(request, patient):
            raise PermissionDenied
        try:
            first, last = report_period_from_query(
                today=patient.local_today(), first=request.GET.get("from"), last=request.GET.get("to")
            )
        except ReportPeriodError as error:
            return HttpResponse(str(error), status=400, content_type="text/plain; charset=utf-8")
        report = visit_report_for(patient=patient, first=first, last=last, audience="clinician")
        as_pdf = request.GET.get("format") == "pdf"
        audit_record(
            request=request,
            action=Action.EXPORT if as_pdf else Action.VIEW,
            patient_id=patient.pk,
            kind=REPORT_KIND,
            object_id=patient.pk,
        )
        if as_pdf:
            response = HttpResponse(
                report_pdf(report=report, patient=patient), content_type="application/pdf"
            )
            response["Content-Disposition"] = f'attachment; filename="{report_filename(patient, last)}"'
            return response
        here = reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_report", args=[patient.pk])
        pdf_url = f"{here}?{urlencode({'from': first.isoformat(), 'to': last.isoformat(), 'format': 'pdf'})}"
        back_url = reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_change", args=[patient.pk])
        return HttpResponse(report_html(report, pdf_url=pdf_url, back_url=back_url))
