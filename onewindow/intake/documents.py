"""Data for the intake desk's PDFs: the receipt and the daily transfer register."""

from __future__ import annotations

from datetime import date

from ..printing.documents import render_document

COPY_TITLES = {1: ("",), 2: ("Экземпляр заявителя", "Экземпляр для личного дела")}


def receipt_pdf(application, *, copies: int, config) -> bytes:
    """Расписка в приёме документов, one or two copies in one PDF."""
    return render_document(
        "pdf/receipt.html", config=config, application=application,
        applicant=application.applicant, copies=COPY_TITLES[copies],
    )


def transfer_register_pdf(applications, *, day: date, user, config) -> bytes:
    """Реестр передачи заявлений в отдел for one specialist and day."""
    return render_document(
        "pdf/transfer_register.html", config=config, applications=applications, day=day,
        user=user, total_sheets=sum(a.total_sheets for a in applications),
    )
