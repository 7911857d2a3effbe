"""The visit report as an HTML document: the template, its charts, and the stylesheets' locations."""

from pathlib import Path
from typing import Any

from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils.formats import number_format

from checklists.report import charts
from checklists.report.selectors import VisitReport

TEMPLATE = "checklists/report/visit_report.html"
STYLESHEET = "checklists/report.css"
CHART_STYLESHEET = "checklists/report-charts.css"


def stylesheet_path(name: str = STYLESHEET) -> Path:
    """Return a report stylesheet's file on disk (the PDF renderer reads it directly, not over HTTP)."""
    found = finders.find(name)
    if not found or isinstance(found, list):
        raise FileNotFoundError(name)
    return Path(found)


def report_context(report: VisitReport, *, chart_css: str = "") -> dict[str, Any]:
    """Return the template context: the report, its charts and the adherence rows with their bars.

    ``chart_css`` goes inside each chart (for the PDF renderer); the web page links it instead.
    """
    first, last = report.first, report.last
    drawn = {
        "ferritin": charts.ferritin_chart(report.labs, first, last, guidelines=report.for_clinician),
        "tsat": charts.tsat_chart(report.labs, first, last, guidelines=report.for_clinician),
        "irls": charts.irls_chart(report.scores, first, last),
        "nights": charts.nights_chart(report.nights, first, last),
        "onset": charts.onset_chart(report.nights, first, last),
    }
    return {
        "report": report,
        "charts": {name: charts.with_stylesheet(svg, chart_css) for name, svg in drawn.items()},
        "adherence": [
            {
                "row": row,
                "bar": charts.with_stylesheet(charts.adherence_bar(row), chart_css),
                "percent": "" if row.share is None else f"{number_format(round(row.share * 100))}%",
            }
            for row in report.adherence
        ],
    }


def report_html(report: VisitReport, *, for_pdf: bool = False, pdf_url: str = "", back_url: str = "") -> str:
    """Return the report as a whole HTML document; ``for_pdf`` leaves out the screen-only parts and the
    stylesheet links (the PDF renderer is given the page stylesheet; the charts carry their own)."""
    chart_css = stylesheet_path(CHART_STYLESHEET).read_text() if for_pdf else ""
    context = report_context(report, chart_css=chart_css)
    context.update(for_pdf=for_pdf, pdf_url=pdf_url, back_url=back_url)
    return render_to_string(TEMPLATE, context)
