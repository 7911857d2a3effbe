"""The visit report as an archival PDF (PDF/A-3b) with the patient's FHIR Bundle embedded in it.

A clinic that files the PDF files the data too: the page for people, ``fhir-bundle.json`` (the same
audience's Bundle from checklists.fhir.export) for systems. WeasyPrint renders in process and cannot be
interrupted, so the bound is on the input: the selector caps the period and the rows, and the renderer
fetches nothing (no network, no files but the stylesheet it is handed).
"""

import json
from datetime import date
from typing import Any, NoReturn

from checklists.models import Patient
from checklists.report.html import report_html, stylesheet_path
from checklists.report.selectors import VisitReport

PDF_VARIANT = "pdf/a-3b"
BUNDLE_NAME = "fhir-bundle.json"


def report_filename(patient: Patient, last_day: date) -> str:
    """Return the PDF's download name: no name or email in it, only the patient's id and the last day."""
    return f"visit-report-{patient.pk}-{last_day.isoformat()}.pdf"


def _no_fetching(url: str, *args: Any, **kwargs: Any) -> NoReturn:
    """Refuse every URL: the report's markup is self-contained and must never reach out."""
    raise ValueError("the visit report fetches no resources")


def fhir_bundle_json(*, patient: Patient, audience: str) -> str:
    """Return the patient's FHIR Bundle for ``audience`` as JSON text."""
    from checklists.fhir.export import patient_bundle  # the FHIR package is imported only when needed

    return json.dumps(patient_bundle(patient=patient, audience=audience), ensure_ascii=False, indent=1)


def report_pdf(*, report: VisitReport, patient: Patient) -> bytes:
    """Return the report as PDF/A-3b bytes with the FHIR Bundle attached as an embedded "Data" file."""
    from weasyprint import CSS, HTML, Attachment

    bundle = Attachment(
        string=fhir_bundle_json(patient=patient, audience=report.audience),
        name=BUNDLE_NAME,
        description="FHIR R4 Bundle (application/fhir+json) of the data in this report",
        relationship="Data",
    )
    document = HTML(string=report_html(report, for_pdf=True), url_fetcher=_no_fetching)
    pdf = document.write_pdf(
        stylesheets=[CSS(filename=str(stylesheet_path()), url_fetcher=_no_fetching)],
        pdf_variant=PDF_VARIANT,
        attachments=[bundle],
        uncompressed_pdf=False,
    )
    if pdf is None:  # only when writing to a target; never here
        raise RuntimeError("WeasyPrint returned no PDF")
    return pdf
