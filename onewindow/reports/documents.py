"""PDFs of the reports (A4, landscape where wide) and the proactive letters."""

from __future__ import annotations

from datetime import date

from ..documents import render_document
from ..reporting import report_pdf as report_pdf_module
from ..reporting.tables import Report


def report_pdf(report: Report, *, config, generated: date) -> bytes:
    """The report's summary, charts (the same SVG, drawn as vectors) and tables."""
    return report_pdf_module.report_pdf(report, letterhead=report_pdf_module.letterhead(config),
                                        generated=generated)


def letters_pdf(service, candidates, *, config, generated: date) -> bytes:
    """One information letter per applicant: the service their category suggests."""
    return render_document("pdf/proactive_letters.html", config=config, service=service,
                           candidates=candidates, generated=generated)
