"""The kiosk ticket for 80 mm and 58 mm thermal receipt printers (no personal data)."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime

from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen import canvas

from ..core.text import format_datetime, plural_ru
from ..printing.fonts import register_fonts
from ..printing.qr import draw_qr
from .queries import ticket_estimate

PAPER_WIDTHS = {80: 80 * mm, 58: 58 * mm}
MARGIN = 3 * mm


@dataclass
class TicketPrint:
    """What the printout says; built by the view from the ticket and the queue state."""

    number: str
    purpose: str
    issued_at: datetime
    ahead: int
    #: None: no window serving the ticket is open now.
    wait_minutes: int | None
    office: str
    booked_for: datetime | None = None
    out_of_turn: bool = False
    rating_url: str | None = None  # the visitor's feedback page (QR code at the bottom)

    def outlook_lines(self) -> list[str]:
        """What the visitor is told about the wait (the kiosk screen says the same)."""
        if self.booked_for is not None:
            # A booked visitor is called at the slot time, whoever waits meanwhile.
            return [f"Запись на {self.booked_for:%H:%M}",
                    "Вас пригласят в назначенное время"]
        people = plural_ru(self.ahead, ("человек", "человека", "человек"))
        lines = [f"Перед вами: {self.ahead} {people}"]
        if self.wait_minutes is None:
            lines.append("Сейчас нет открытых окон по этой цели визита")
        elif self.wait_minutes <= 0:
            lines.append("Ожидание: вас пригласят сейчас")
        else:
            lines.append(f"Ожидаемое время ожидания: около {self.wait_minutes} мин")
        return lines


def _wrap(text: str, font: str, size: float, width: float) -> list[str]:
    lines, line = [], ""
    for word in text.split():
        candidate = f"{line} {word}".strip()
        if stringWidth(candidate, font, size) <= width or not line:
            line = candidate
        else:
            lines.append(line)
            line = word
    if line:
        lines.append(line)
    return lines


def ticket_pdf(data: TicketPrint, *, width_mm: int = 80) -> bytes:
    """Draw the ticket on a receipt-sized page: the number large, then the details."""
    register_fonts()
    width = PAPER_WIDTHS.get(width_mm, PAPER_WIDTHS[80])
    scale = width / PAPER_WIDTHS[80]
    usable = width - 2 * MARGIN
    rows: list[tuple[str, str, float, float]] = []  # (text, font, size, gap after)

    def add(text, font="Roboto", size=9.0, gap=1.5 * mm):
        for line in _wrap(text, font, size * scale, usable):
            rows.append((line, font, size * scale, 0))
        rows[-1] = rows[-1][:3] + (gap,)

    add(data.office, size=8)
    add("Талон электронной очереди", "Roboto-Bold", 10, 2 * mm)
    number_size = 40.0
    while stringWidth(data.number, "Roboto-Bold", number_size * scale) > usable:
        number_size -= 2
    add(data.number, "Roboto-Bold", number_size, 3 * mm)
    add(data.purpose, "Roboto-Bold", 11, 2 * mm)
    if data.out_of_turn:
        add("Внеочередное обслуживание", "Roboto-Bold", 10)
    add(f"Выдан: {format_datetime(data.issued_at)}")
    for line in data.outlook_lines():
        add(line, "Roboto-Bold" if data.booked_for else "Roboto", 10 if data.booked_for else 9)
    rows[-1] = rows[-1][:3] + (3 * mm,)
    add("Следите за табло: номер талона и окно появятся на экране.", size=8)

    qr_side = 22 * mm * scale if data.rating_url else 0
    qr_block = qr_side + 12 * scale if data.rating_url else 0
    height = (sum(size * 1.25 + gap for _t, _f, size, gap in rows) + 2 * MARGIN + 6 * mm
              + qr_block)
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=(width, height))
    pdf.setTitle(f"Талон {data.number}")
    y = height - MARGIN
    for text, font, size, gap in rows:
        y -= size
        pdf.setFont(font, size)
        pdf.drawCentredString(width / 2, y, text)
        y -= size * 0.25 + gap
    if data.rating_url:
        pdf.setFont("Roboto", 8 * scale)
        y -= 8 * scale
        pdf.drawCentredString(width / 2, y, "Оцените качество обслуживания:")
        draw_qr(pdf, data.rating_url, (width - qr_side) / 2, y - 2 * scale - qr_side,
                size_mm=qr_side / mm)
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def ticket_print_data(session, ticket, *, now: datetime, office: str) -> TicketPrint:
    """The printout's data: people ahead now and the estimated wait."""
    estimate = ticket_estimate(session, ticket, now=now)
    return TicketPrint(
        number=ticket.number, purpose=ticket.purpose.name, issued_at=ticket.issued_at,
        ahead=estimate.ahead, wait_minutes=estimate.wait_minutes,
        office=office, booked_for=ticket.due_at, out_of_turn=ticket.priority == "out_of_turn",
    )
