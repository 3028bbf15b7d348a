"""Data for the intake desk's PDFs: the receipt and the daily transfer register."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from ..core.snils import mask_digits
from ..core.text import format_date, format_datetime
from ..documents import render_document
from .receipt import Receipt, ReceiptLine
from .receipt import receipt_pdf as draw_receipt

COPY_TITLES = {1: ("",), 2: ("Экземпляр заявителя", "Экземпляр для личного дела")}


def receipt(application, *, config, feedback_url: str | None = None,
            masked: bool = False) -> Receipt:
    """What the receipt of ``application`` prints (the feedback QR code when a link is given).

    ``masked``: СНИЛС and document numbers as a reader without full access sees them.
    """
    applicant, service, user = application.applicant, application.service, \
        application.registered_by
    representative = None
    if application.representative_name:
        document = application.representative_document or ""
        representative = (f"{application.representative_name} "
                          f"({mask_digits(document) if masked else document})")
    return Receipt(
        institution=(config["INSTITUTION_NAME"], config["SECTOR_NAME"],
                     f"{config['INSTITUTION_ADDRESS']}, тел. {config['INSTITUTION_PHONE']}"),
        number=application.number, registered_at=format_datetime(application.registered_at),
        applicant=applicant.full_name, birth_date=format_date(applicant.birth_date),
        snils=applicant.snils_masked if masked else applicant.snils_display,
        representative=representative, service=service.name,
        department=service.department,
        documents=[ReceiptLine(d.name, d.form_label, d.sheets)
                   for d in application.received_documents],
        total_sheets=application.total_sheets,
        missing=[d.name for d in application.missing_documents],
        interagency=[d.name for d in application.interagency_documents],
        deadline=format_date(application.deadline), deadline_days=service.deadline_days,
        accepted_by=user.position or "", accepted_by_name=user.short_name,
        applicant_short=applicant.short_name, feedback_url=feedback_url)


def receipt_pdf(application, *, copies: int, config, feedback_url: str | None = None,
                masked: bool = False) -> bytes:
    """Расписка в приёме документов, one or two copies in one PDF (drawn with ReportLab)."""
    return draw_receipt(receipt(application, config=config, feedback_url=feedback_url,
                                masked=masked),
                        copy_titles=COPY_TITLES[copies])


@dataclass
class RegisterSection:
    """The applications of one receiving department: a page with its own «Принял» line."""

    department: str
    applications: list = field(default_factory=list)

    @property
    def total_sheets(self) -> int:
        return sum(a.total_sheets for a in self.applications)


def register_sections(applications) -> list[RegisterSection]:
    """Applications grouped by the department that decides them, departments by name."""
    sections: dict[str, RegisterSection] = {}
    for application in applications:
        department = application.service.department
        sections.setdefault(department, RegisterSection(department)).applications.append(
            application)
    return [sections[d] for d in sorted(sections)]


def transfer_register_pdf(applications, *, day: date, user, config) -> bytes:
    """Реестр передачи заявлений в отдел for one specialist and day, a page per department."""
    return render_document(
        "pdf/transfer_register.html", config=config, sections=register_sections(applications),
        day=day, user=user,
    )
