"""PDFs of the reports (A4, landscape where wide) and the proactive letters."""

from __future__ import annotations

from datetime import date

from defusedxml import ElementTree as ET

from ..documents import render_document
from ..reporting import charts
from ..reporting.tables import Report, display


def report_pdf(report: Report, *, config, generated: date) -> bytes:
    """The report's summary, charts (the same SVG, drawn as vectors) and tables."""
    return render_document(
        "pdf/report.html", config=config, report=report, generated=generated,
        pdf_charts=[_chart(svg, 640 if report.landscape else 500) for svg in report.charts],
        display=display,
    )


def _chart(svg, width: int) -> dict:
    """The chart's data: URI and its size in the PDF, keeping the SVG's aspect ratio."""
    root = ET.fromstring(str(svg))
    w, h = float(root.get("width")), float(root.get("height"))
    width = min(width, w)
    return {"uri": charts.data_uri(svg), "width": round(width), "height": round(h * width / w)}


def letters_pdf(service, candidates, *, config, generated: date) -> bytes:
    """One information letter per applicant: the service their category suggests."""
    return render_document("pdf/proactive_letters.html", config=config, service=service,
                           candidates=candidates, generated=generated)
