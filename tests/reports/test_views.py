"""Report pages, exports (XLSX read back, CSV), SVG charts, PDFs, dashboards, card block."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
from datetime import date, datetime, timedelta

from openpyxl import load_workbook

from onewindow.core import clock
from onewindow.reporting import charts
from onewindow.reporting.tables import DATE, INT, TEXT, Column, Report, Table
from onewindow.reports import exports

from ..conftest import login
from ..factories import make_applicant, make_application
from ..journal import audited, printed
from ..pdfcheck import pdf_text
from .data import MONDAY, make_queue_data

WEEK = {"period": "week", "date": "02.11.2026"}
SVG = "{http://www.w3.org/2000/svg}svg"


def _svgs(html: str) -> list[ET.Element]:
    found, start = [], 0
    while (i := html.find("<svg", start)) != -1:
        end = html.index("</svg>", i) + len("</svg>")
        found.append(ET.fromstring(html[i:end]))
        start = end
    return found


def test_charts_are_well_formed_and_escape_labels():
    nasty = 'Окно <1> & "два"'
    for svg in (
        charts.bar_chart(nasty, [nasty, "b"], [("s<1>", [3, 0]), ("s2", [1, 2.5])]),
        charts.line_chart(nasty, ["01.11", "02.11", "03.11"], [("x&y", [1, None, 3])]),
        charts.heat_map(nasty, ["Пн", "Вт"], ["09", "10"], [[0, 4], [1, 0]]),
        charts.bar_chart("пусто", [], [("s", [])]),
    ):
        root = ET.fromstring(str(svg))
        assert root.tag == SVG
        assert root.find("{http://www.w3.org/2000/svg}title").text == nasty or "пусто" in svg
        assert "<script" not in svg and "style=" not in svg
    assert charts.nice_max(0) == 1 and charts.nice_max(7) == 10 and charts.nice_max(21) == 25


def test_neutralise_and_csv():
    assert exports.neutralise("=1+2") == "'=1+2"
    for bad in ("+7 900", "-5", "@SUM(A1)", "\t=x"):
        assert exports.neutralise(bad).startswith("'")
    assert exports.neutralise("Иванова") == "Иванова" and exports.neutralise(5) == 5
    table = Table("t", [Column("Имя"), Column("Число", INT)],
                  rows=[["=HYPERLINK(\"http://x\")", 3], ["обычный", None]])
    text = exports.to_csv(table).decode("utf-8-sig")
    lines = text.splitlines()
    assert lines[0] == "Имя;Число"
    assert lines[1].startswith("\"'=HYPERLINK") and lines[1].endswith(";3")
    assert lines[2] == "обычный;"


def test_xlsx_types_header_and_frozen_panes():
    table = Table("Лист [1]", [Column("Текст", TEXT), Column("Число", INT), Column("Дата", DATE)],
                  rows=[["@cmd", 7, date(2026, 11, 2)], ["-1", 0, None]],
                  total=["Итого", 7, None])
    data = exports.to_xlsx(Report("x", "Проба", None, tables=[table]))
    sheet = load_workbook(io.BytesIO(data)).worksheets[0]
    assert sheet.title == "Лист 1"
    assert [c.value for c in sheet[3]] == ["Текст", "Число", "Дата"]
    assert sheet.freeze_panes == "A4"
    assert sheet["A4"].value == "'@cmd" and sheet["A5"].value == "'-1"
    assert sheet["B4"].value == 7 and isinstance(sheet["B4"].value, int)
    assert isinstance(sheet["C4"].value, datetime) and sheet["C4"].value.date() == date(2026, 11, 2)
    assert sheet["C4"].number_format == "DD.MM.YYYY"
    assert sheet["A6"].value == "Итого" and sheet["A6"].font.bold


def test_queue_report_page_exports_and_pdf(client, users):
    make_queue_data(client.application.extensions["sqlalchemy"].session,
                    specialist_a=users["specialist"], specialist_b=users["chief"])
    client.application.extensions["sqlalchemy"].session.commit()
    login(client, users["director"])
    page = client.get("/reports/queue", query_string=WEEK)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Электронная очередь" in html and "Период: 02.11.2026 — 08.11.2026" in html
    svgs = _svgs(html)
    assert len(svgs) == 4 and all(s.tag == SVG for s in svgs)
    assert "71,4 %" in html  # 5 of 7 waits within 15 minutes

    book = load_workbook(io.BytesIO(client.get("/reports/queue.xlsx", query_string=WEEK).data))
    days = book.worksheets[0]
    assert [c.value for c in days[3]][:3] == ["Дата", "Посетителей", "Обслужено"]
    assert days.freeze_panes == "A4"
    assert days["A4"].value.date() == MONDAY and days["B4"].value == 7
    total = next(r for r in days.iter_rows(values_only=True) if r[0] == "Итого")
    assert total[1] == 8 and abs(total[9] - 5 / 7) < 1e-9 and total[7] == 30

    csv = client.get("/reports/queue.csv", query_string=dict(WEEK, table=2))
    assert csv.status_code == 200 and csv.mimetype == "text/csv"
    assert "Окно 1;4;4" in csv.data.decode("utf-8-sig")
    assert client.get("/reports/queue.csv", query_string=dict(WEEK, table=99)).status_code == 404

    pdf = client.get("/reports/queue.pdf", query_string=dict(WEEK, standard=10))
    assert pdf.mimetype == "application/pdf"
    text = pdf_text(pdf.data)
    assert "Электронная очередь" in text and "Посетители по дням" in text  # chart as vectors
    assert "57,1 %" in text  # 4 of 7 within 10 minutes
    session = client.application.extensions["sqlalchemy"].session
    report_id = "queue-20261102-20261108"
    assert [p[:3] for p in printed(session)] == [("report", "report", report_id)]
    director = users["director"].id
    assert audited(session, "export") == [("report", report_id, director)] * 2  # XLSX, CSV
    assert audited(session, "print") == [("report", report_id, director)]


def test_intake_and_working_time_reports(client, users):
    session = client.application.extensions["sqlalchemy"].session
    make_queue_data(session, specialist_a=users["specialist"], specialist_b=users["chief"])
    make_application(session, user=users["specialist"], now=datetime(2026, 11, 3, 9))
    session.commit()
    login(client, users["chief"])
    intake = client.get("/reports/intake", query_string=WEEK)
    assert intake.status_code == 200 and "Приём заявлений" in intake.get_data(as_text=True)
    book = load_workbook(io.BytesIO(client.get("/reports/intake.xlsx",
                                               query_string=WEEK).data))
    assert book.sheetnames[:2] == ["По услугам", "По специалистам"]
    assert book["По услугам"]["A4"].value == "ESP" and book["По услугам"]["C4"].value == 1
    work = client.get("/reports/working-time.pdf", query_string=WEEK)
    assert "Рабочее время" in pdf_text(work.data)
    page = client.get("/reports/working-time", query_string=WEEK).get_data(as_text=True)
    assert "Журнал работы у окон" in page and "Дней по оценке" in page
    bad = client.get("/reports/intake", query_string={"period": "range", "from": "x"})
    assert bad.status_code == 422 and "Укажите начало и конец" in bad.get_data(as_text=True)


def test_reports_are_for_management(client, users):
    login(client, users["specialist"])
    assert client.get("/reports/").status_code == 403
    assert client.get("/reports/queue").status_code == 403
    assert client.get("/reports/proactive").status_code == 200
    client.post("/logout")
    login(client, users["director"])
    assert "Отчёты" in client.get("/").get_data(as_text=True)
    assert client.get("/reports/proactive").status_code == 403


def test_proactive_pages_letters_and_card(client, users):
    from sqlalchemy import select

    from onewindow.catalog.models import BeneficiaryCategory, Service

    session = client.application.extensions["sqlalchemy"].session
    donor = session.scalar(select(BeneficiaryCategory).where(
        BeneficiaryCategory.code == "honorary_donor"))
    applicant = make_applicant(session, surname="Кровинкина")
    applicant.phone = "=2+3"  # stored before phone numbers were validated: still neutralised
    applicant.categories = [donor]
    service_id = session.scalar(select(Service.id).where(Service.code == "DONOR"))
    applicant_id = applicant.id
    session.commit()
    login(client, users["chief"])
    card = client.get(f"/applicants/{applicant_id}").get_data(as_text=True)
    assert "Возможно, положено" in card and "DONOR" in card
    page = client.get("/reports/proactive", query_string={"service_id": service_id})
    assert "Кровинкина" in page.get_data(as_text=True)
    book = load_workbook(io.BytesIO(client.get(
        "/reports/proactive.xlsx", query_string={"service_id": service_id}).data))
    people = book.worksheets[0]
    assert people["B4"].value.startswith("Кровинкина") and people["D4"].value == "'=2+3"
    letters = pdf_text(client.get(f"/reports/proactive/{service_id}/letters.pdf").data)
    assert "Уважаемый(ая) Анна Петровна" in letters
    assert "Почётный донор России (СССР)" in letters and "Кровинкина" in letters
    assert [p[:3] for p in printed(session)] == [("letters", "service", "DONOR")]
    assert ("service", "DONOR", users["chief"].id) in audited(session, "print")
    make_application(session, applicant=session.get(type(applicant), applicant_id),
                     user=users["chief"], service_code="DONOR")
    session.commit()
    card = client.get(f"/applicants/{applicant_id}").get_data(as_text=True)
    assert "Возможно, положено" not in card


def test_dashboards_per_role(client, users):
    session = client.application.extensions["sqlalchemy"].session
    soon = make_application(session, user=users["specialist"], now=clock.now())
    soon.deadline = clock.today() + timedelta(days=1)
    session.commit()
    login(client, users["chief"])
    chief = client.get("/").get_data(as_text=True)
    assert "Сегодня по сектору" in chief and "Очередь сейчас" in chief
    client.post("/logout")
    login(client, users["director"])
    director = client.get("/").get_data(as_text=True)
    assert "С начала месяца" in director and len(_svgs(director)) == 1
    client.post("/logout")
    login(client, users["specialist"])
    mine = client.get("/").get_data(as_text=True)
    assert "Принято мной сегодня: 1" in mine and "С начала месяца" not in mine
    assert "со сроком в ближайшие 3 дня: 1" in mine
