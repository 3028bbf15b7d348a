"""The year's queue report as a PDF (drawn with ReportLab): its totals, every day, its pages."""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ElementTree
from datetime import date, datetime, timedelta

from reportlab.graphics.shapes import String
from svglib.svglib import svg2rlg

from onewindow.queue.models import Desk, Ticket, TicketService, VisitPurpose
from onewindow.reporting import charts, report_pdf

from ..conftest import login
from ..pdfcheck import pdf_fonts, pdf_text

YEAR = {"period": "range", "from": "01.01.2026", "to": "31.12.2026"}


def _year_of_tickets(session, specialist) -> tuple[int, int, int]:
    """A served visitor every working day (5 min wait), a no-show every Monday (20 min)."""
    purpose = VisitPurpose(letter="А", name="Приём документов", position=1)
    desk = Desk(number=3)
    session.add_all([purpose, desk])
    session.flush()
    served = no_show = seq = 0
    day = date(2026, 1, 1)
    while day.year == 2026:
        if day.weekday() < 5:
            kinds = ["finished"] + (["no_show"] if day.weekday() == 0 else [])
            for status in kinds:
                seq += 1
                issued = datetime(day.year, day.month, day.day, 9, 0) + timedelta(minutes=seq % 50)
                called = issued + timedelta(minutes=5 if status == "finished" else 20)
                ticket = Ticket(
                    day=day, seq=seq, number=f"А-{seq:03d}", purpose_id=purpose.id,
                    priority="walk_in", status=status, issued_at=issued, queued_at=issued,
                    first_called_at=called, called_at=called,
                    started_at=called if status == "finished" else None,
                    finished_at=called + timedelta(minutes=10), desk_id=desk.id,
                    specialist_id=specialist.id, call_count=1)
                ticket.services = [TicketService(purpose_id=purpose.id, position=1)]
                session.add(ticket)
                served += status == "finished"
                no_show += status == "no_show"
        day += timedelta(days=1)
    session.commit()
    return served + no_show, served, no_show


def test_year_queue_report_pdf_has_the_totals_and_every_day(client, users):
    visitors, served, no_show = _year_of_tickets(client.application.extensions[
        "sqlalchemy"].session, users["specialist"])
    assert (visitors, served, no_show) == (313, 261, 52)  # 2026: 261 working days, 52 Mondays
    login(client, users["chief"])
    response = client.get("/reports/queue.pdf", query_string=YEAR)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = pdf_text(response.data)
    assert "Электронная очередь" in text and "Период:" in text
    assert "Посетители по дням" in text  # a chart, drawn as vectors with its title
    # The summary and the «Итого» line of each of the four tables (wait 5 or 20 min).
    share = f"{served * 100 / visitors:.1f}".replace(".", ",") + " %"
    assert re.search(rf"Посетителей\s+{visitors}\b", text)
    assert re.search(rf"Обслужено\s+{served}\b", text)
    assert re.search(rf"Не явились\s+{no_show}\b", text)
    totals = re.findall(rf"Итого\s+{visitors}\s+{served}\s+{no_show}\s+0\s+0\s+7,5\s+20,0\s+"
                        rf"20,0\s+{re.escape(share)}\s+10,0\s+10,0\s+10,0", text)
    assert len(totals) == 4, text[-3000:]  # by day, hour, desk and purpose
    # Every day of the year is a row, the last one on a later page; each page numbered.
    assert "01.01.2026" in text and "31.12.2026" in text
    pages = text.count("\f") + (not text.endswith("\f"))
    assert pages > 5
    assert f"стр. {pages}" in text.split("\f")[pages - 1]
    assert "Окно 3" in text
    assert set(pdf_fonts(response.data)) == {"Roboto-Regular", "Roboto-Bold"}
    assert all(pdf_fonts(response.data).values())  # every font embedded


def _strings(node) -> list[str]:
    out = []
    for child in getattr(node, "contents", []):
        if isinstance(child, String):
            out.append(child.text)
        out += _strings(child)
    return out


def test_charts_are_drawn_with_every_label_and_mark():
    """Our charts' SVG turned into ReportLab shapes directly: the same texts as svglib
    reads from it, one shape per element, a tenth of svglib's time."""
    nasty = 'Окно <1> & "два"'
    for svg in (
        charts.bar_chart(nasty, [nasty, "b"], [("s<1>", [3, 0]), ("s2", [1, 2.5])]),
        charts.line_chart("Ожидание", ["01.11", "02.11", "03.11"],
                          [("x&y", [1, None, 3]), ("z", [2, 2, 2])], unit="мин"),
        charts.heat_map("Карта", ["Пн", "Вт"], ["09", "10"], [[0, 4], [1, 0]]),
    ):
        ours = report_pdf._chart(svg, 480)
        theirs = svg2rlg(io.BytesIO(str(svg).encode()))
        assert sorted(_strings(ours)) == sorted(_strings(theirs))
        assert nasty in _strings(ours) or "Ожидание" in _strings(ours) or "Карта" in _strings(ours)
        assert round(ours.width) == 480 and abs(ours.height / ours.width
                                                 - theirs.height / theirs.width) < 0.01
        elements = [e for e in ElementTree.fromstring(str(svg)) if not e.tag.endswith("title")]
        assert len(ours.contents) == len(elements)
    # Another kind of SVG still draws, through svglib.
    other = ('<svg xmlns="http://www.w3.org/2000/svg" width="100" height="50">'
             '<ellipse cx="50" cy="25" rx="40" ry="20" fill="#2f6db5"/></svg>')
    drawing = report_pdf._chart(other, 480)
    assert round(drawing.width) == 75  # 100 px at 0.75 pt, not stretched
