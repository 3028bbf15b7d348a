"""The floor: the same work without the application's layers.

* :func:`create_floor_app` — a bare Flask app (no login, CSRF, ORM, hooks): the same
  indexed query as plain SQL and the same partial template (``applicants/_results.html``,
  ``archive/_scan_result.html``). Served by gunicorn exactly like the app:
  ``gunicorn -w 2 'benchmarks.floor:create_floor_app()'`` with ``DATABASE_URL`` set.
* :func:`draw_receipt`, :func:`draw_labels`, :func:`draw_inventory` — the same documents
  drawn straight on a ReportLab canvas, timed in-process.
"""

from __future__ import annotations

import os
import re
from datetime import date, datetime
from io import BytesIO
from pathlib import Path
from types import SimpleNamespace

from flask import Blueprint, Flask, render_template, request
from reportlab.graphics.barcode.code128 import Code128
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from sqlalchemy import create_engine, text

from onewindow.core.snils import format_snils, mask_snils
from onewindow.core.text import (
    format_date,
    format_datetime,
    full_name,
    initials,
    normalize_search,
)

ROOT = Path(__file__).resolve().parent.parent
_DIGITS = re.compile(r"[\d\s-]+")

# ------------------------------------------------------------------ the bare Flask app


def _engine(url: str):
    if url.startswith(("postgres://", "postgresql://")):
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    if url.startswith("sqlite"):
        return create_engine(url, connect_args={"check_same_thread": False})
    return create_engine(url, connect_args={"prepare_threshold": None})


def as_date(v) -> date | None:
    """SQLite hands plain SQL dates back as text; PostgreSQL as dates."""
    return date.fromisoformat(v[:10]) if isinstance(v, str) else v


def as_datetime(v) -> datetime | None:
    return datetime.fromisoformat(v) if isinstance(v, str) else v


def _person(row) -> SimpleNamespace:
    return SimpleNamespace(
        id=row.id, full_name=full_name(row.surname, row.name, row.patronymic),
        birth_date=as_date(row.birth_date), snils_masked=mask_snils(row.snils) if row.snils else "")


SEARCH_SQL = ("SELECT id, surname, name, patronymic, birth_date, snils FROM applicants "
              "WHERE {cond} ORDER BY search_name, birth_date LIMIT 20")


def search_sql(raw: str) -> tuple[str, dict] | None:
    """The app's search rule as one SQL statement (the same index ranges)."""
    raw = (raw or "").strip()
    if not raw:
        return None
    if _DIGITS.fullmatch(raw):
        digits = re.sub(r"\D", "", raw)
        if len(digits) < 3:
            return None
        if len(digits) == 11:
            return SEARCH_SQL.format(cond="snils = :v"), {"v": digits}
        return SEARCH_SQL.format(cond="snils >= :v AND snils < :w"), \
            {"v": digits, "w": digits + "\uffff"}
    tokens = normalize_search(raw.replace(".", " ")).split()
    if len(tokens) >= 2 and all(len(t) == 1 for t in tokens[1:]):
        v, col = " ".join(tokens[:3]), "search_initials"
    else:
        v, col = normalize_search(raw), "search_name"
    return SEARCH_SQL.format(cond=f"{col} >= :v AND {col} < :w"), {"v": v, "w": v + "\uffff"}


CASE_SQL = """
SELECT c.id, c.number, c.status, a.surname, a.name, a.patronymic, s.short_name,
       b.number AS box_number, sh.number AS shelf_number, r.number AS rack_number,
       rm.name AS room_name, u.full_name AS issued_to, co.due_on
FROM case_files c
JOIN applicants a ON a.id = c.applicant_id
JOIN services s ON s.id = c.service_id
LEFT JOIN archive_boxes b ON b.id = c.box_id
LEFT JOIN archive_shelves sh ON sh.id = b.shelf_id
LEFT JOIN archive_racks r ON r.id = sh.rack_id
LEFT JOIN archive_rooms rm ON rm.id = r.room_id
LEFT JOIN case_file_checkouts co ON co.case_file_id = c.id AND co.returned_at IS NULL
LEFT JOIN users u ON u.id = co.issued_to_id
WHERE c.number = :code
"""
BOX_SQL = """
SELECT b.id, b.barcode, b.number, b.capacity, sh.number AS shelf_number,
       r.number AS rack_number, rm.name AS room_name
FROM archive_boxes b JOIN archive_shelves sh ON sh.id = b.shelf_id
JOIN archive_racks r ON r.id = sh.rack_id JOIN archive_rooms rm ON rm.id = r.room_id
WHERE b.barcode = :code
"""
BOX_FILES_SQL = """
SELECT c.number, a.surname, a.name, a.patronymic, s.short_name, co.id AS checkout_id
FROM case_files c JOIN applicants a ON a.id = c.applicant_id
JOIN services s ON s.id = c.service_id
LEFT JOIN case_file_checkouts co ON co.case_file_id = c.id AND co.returned_at IS NULL
WHERE c.box_id = :box ORDER BY c.number
"""


def _location(room, rack, shelf, box=None) -> str:
    where = f"{room}, стеллаж {rack}, полка {shelf}"
    return where + (f", короб {box}" if box is not None else "")


def create_floor_app(database_url: str | None = None) -> Flask:
    """The bare app: two POST endpoints rendering the app's own partials."""
    engine = _engine(database_url or os.environ["DATABASE_URL"])
    app = Flask(__name__, template_folder=str(ROOT / "templates"))
    app.jinja_env.filters["date"] = format_date
    # The partials link to these endpoints; stubs keep url_for working.
    applicants = Blueprint("applicants", __name__, url_prefix="/applicants")
    archive = Blueprint("archive", __name__, url_prefix="/archive")
    applicants.add_url_rule("/<int:applicant_id>", "card", lambda applicant_id: "")
    applicants.add_url_rule("/new", "new", lambda: "")
    archive.add_url_rule("/cases/<int:case_id>", "show_case", lambda case_id: "")
    archive.add_url_rule("/boxes/<int:box_id>", "show_box", lambda box_id: "")

    @applicants.post("/search")
    def search():
        query = (request.form.get("q") or "").strip()
        found = search_sql(query)
        results = []
        if found is not None:
            with engine.connect() as conn:
                results = [_person(r) for r in conn.execute(text(found[0]), found[1])]
        return render_template("applicants/_results.html", results=results, query=query)

    @archive.post("/scan")
    def scan():
        code = (request.form.get("code") or "").strip()
        result = {"code": code, "kind": "unknown", "obj": None, "alarm": True,
                  "warnings": [], "action": None, "message": "Код не найден"}
        with engine.connect() as conn:
            box = conn.execute(text(BOX_SQL), {"code": code.upper()}).first()
            if box is not None:
                contents = [SimpleNamespace(
                    number=r.number, applicant=SimpleNamespace(
                        full_name=full_name(r.surname, r.name, r.patronymic)),
                    service=SimpleNamespace(short_name=r.short_name),
                    open_checkout=r.checkout_id) for r in
                    conn.execute(text(BOX_FILES_SQL), {"box": box.id})]
                obj = SimpleNamespace(
                    id=box.id, barcode=box.barcode, capacity=box.capacity, group=None,
                    years_label="", location=_location(box.room_name, box.rack_number,
                                                       box.shelf_number, box.number))
                result.update(kind="box", obj=obj, alarm=False, contents=contents)
            else:
                row = conn.execute(text(CASE_SQL), {"code": code}).first()
                if row is not None:
                    checkout = None if row.issued_to is None else SimpleNamespace(
                        issued_to=SimpleNamespace(full_name=row.issued_to),
                        due_on=as_date(row.due_on))
                    location = ("не размещено" if row.box_number is None else _location(
                        row.room_name, row.rack_number, row.shelf_number, row.box_number))
                    obj = SimpleNamespace(
                        id=row.id, number=row.number, location=location,
                        status_name="действующее" if row.status == "active" else "закрыто",
                        applicant=SimpleNamespace(
                            full_name=full_name(row.surname, row.name, row.patronymic)),
                        service=SimpleNamespace(short_name=row.short_name),
                        open_checkout=checkout)
                    result.update(kind="case", obj=obj, alarm=False)
        return render_template("archive/_scan_result.html", result=result, current_box=None)

    app.register_blueprint(applicants)
    app.register_blueprint(archive)

    @app.get("/login")
    def ready():  # the runner's readiness probe
        return "ok"

    return app


# ------------------------------------------------------------------ ReportLab documents

_FONTS = False
INSTITUTION = ("ГКУ «Центр социальной защиты населения по Краснооктябрьскому району "
               "Волгограда»", "Сектор по работе с клиентами «Одно окно»",
               "400057, г. Волгоград, ул. Примерная, д. 1, тел. +7 (8442) 00-00-00")


def _fonts() -> None:
    global _FONTS
    if _FONTS:
        return
    import font_roboto

    base = Path(font_roboto.__file__).parent / "files"
    for name, file in (("FloorRoboto", "Roboto-Regular.ttf"),
                       ("FloorRoboto-Bold", "Roboto-Bold.ttf")):
        if name not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(TTFont(name, str(base / file)))
    _FONTS = True


def _barcode(canvas: Canvas, value: str, x: float, y: float, module_mm: float,
             height_mm: float) -> float:
    widget = Code128(value, barWidth=module_mm * mm, barHeight=height_mm * mm,
                     humanReadable=0, quiet=1)
    widget.drawOn(canvas, x, y)
    return widget.width


def receipt_data(engine, application_id: int) -> dict:
    sql = text("""
        SELECT a.number, a.registered_at, a.deadline, p.surname, p.name, p.patronymic,
               p.birth_date, p.snils, s.name AS service, s.department, s.deadline_days,
               u.position, u.full_name AS specialist
        FROM applications a JOIN applicants p ON p.id = a.applicant_id
        JOIN services s ON s.id = a.service_id JOIN users u ON u.id = a.registered_by_id
        WHERE a.id = :id""")
    docs = text("SELECT name, form, sheets FROM application_documents "
                "WHERE application_id = :id AND received ORDER BY position")
    with engine.connect() as conn:
        row = conn.execute(sql, {"id": application_id}).one()
        documents = [tuple(r) for r in conn.execute(docs, {"id": application_id})]
    data = {**row._asdict(), "documents": documents}
    data["registered_at"] = as_datetime(data["registered_at"])
    data["deadline"] = as_date(data["deadline"])
    data["birth_date"] = as_date(data["birth_date"])
    return data


def _styles():
    from reportlab.lib.styles import ParagraphStyle

    base = ParagraphStyle("base", fontName="FloorRoboto", fontSize=10, leading=13)
    return {
        "base": base,
        "small": ParagraphStyle("small", parent=base, fontSize=9, leading=11),
        "header": ParagraphStyle("header", parent=base, fontSize=9, leading=11, alignment=1),
        "title": ParagraphStyle("title", parent=base, fontName="FloorRoboto-Bold",
                                fontSize=13, leading=16, alignment=1, spaceBefore=8),
        "number": ParagraphStyle("number", parent=base, fontName="FloorRoboto-Bold",
                                 fontSize=12, leading=15, alignment=1),
    }


def draw_receipt(d: dict) -> bytes:
    """The receipt (расписка) as ReportLab flowables: the same blocks as the HTML template.

    Paragraphs and tables (platypus) rather than bare canvas calls, because the receipt's
    texts wrap; this is what the app's xhtml2pdf builds underneath, minus HTML and CSS.
    """
    from reportlab.graphics.barcode.code128 import Code128 as Bars
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    _fonts()
    st = _styles()
    buf = BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=A4, leftMargin=20 * mm, rightMargin=15 * mm,
                            topMargin=12 * mm, bottomMargin=12 * mm)
    story = [Paragraph("<br/>".join(INSTITUTION), st["header"]),
             Paragraph("РАСПИСКА<br/>в приёме документов", st["title"]),
             Paragraph(f"№ {d['number']} от {format_datetime(d['registered_at'])}",
                       st["number"])]
    bars = Bars(d["number"], barWidth=0.33 * mm, barHeight=11 * mm, humanReadable=0,
                quiet=1)
    bars.hAlign = "CENTER"
    story += [Spacer(1, 2 * mm), bars, Spacer(1, 2 * mm)]
    fields = [
        ("Заявитель:", f"<b>{full_name(d['surname'], d['name'], d['patronymic'])}</b>, "
                       f"{format_date(d['birth_date'])} г. р."),
        ("СНИЛС:", format_snils(d["snils"]) if d["snils"] else "не указан"),
        ("Услуга:", d["service"]), ("Ответственный отдел:", d["department"]),
    ]
    width = A4[0] - 35 * mm
    story.append(Table([[Paragraph(a, st["base"]), Paragraph(b, st["base"])]
                        for a, b in fields], colWidths=[0.32 * width, 0.68 * width]))
    story.append(Paragraph("<b>Приняты документы:</b>", st["base"]))
    rows = [[Paragraph(h, st["small"]) for h in
             ("<b>№</b>", "<b>Наименование документа</b>", "<b>Подлинник / копия</b>",
              "<b>Листов</b>")]]
    for i, (name, form, sheets) in enumerate(d["documents"], start=1):
        rows.append([Paragraph(str(i), st["small"]), Paragraph(name, st["small"]),
                     Paragraph("подлинник" if form == "original" else "копия", st["small"]),
                     Paragraph(str(sheets), st["small"])])
    rows.append(["", Paragraph("<b>Итого</b>", st["small"]), "",
                 Paragraph(f"<b>{sum(r[2] for r in d['documents'])}</b>", st["small"])])
    table = Table(rows, colWidths=[w * width for w in (0.06, 0.62, 0.16, 0.16)])
    table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, "#000000"),
                               ("BACKGROUND", (0, 0), (-1, 0), "#eeeeee")]))
    story.append(table)
    story.append(Paragraph(
        f"Решение будет принято не позднее <b>{format_date(d['deadline'])}</b> "
        f"({d['deadline_days']} рабочих дней со дня регистрации).", st["base"]))
    parts = (d["specialist"].split(" ", 2) + ["", ""])[:3]
    story.append(Table([[Paragraph(f"Документы принял: {d['position'] or 'специалист'}<br/>"
                                   f"{initials(*parts)} _______________", st["base"]),
                         Paragraph("Расписку получил(а):<br/>"
                                   f"{initials(d['surname'], d['name'], d['patronymic'])} "
                                   "_______________", st["base"])]],
                       colWidths=[width / 2, width / 2], style=[("TOPPADDING", (0, 0),
                                                                 (-1, -1), 8 * mm)]))
    doc.build(story)
    return buf.getvalue()


def label_data(engine, day: date) -> list[tuple]:
    sql = text("""
        SELECT c.number, a.surname, a.name, a.patronymic, s.short_name, c.year
        FROM case_files c JOIN applicants a ON a.id = c.applicant_id
        JOIN services s ON s.id = c.service_id WHERE c.opened_on = :day ORDER BY c.number""")
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(sql, {"day": day})]


def draw_labels(rows: list[tuple]) -> bytes:
    """Folder labels 70×37 mm, 3×8 per A4 sheet: number, name, service, Code128."""
    _fonts()
    buf = BytesIO()
    c = Canvas(buf, pagesize=A4, pageCompression=1)
    lw, lh, cols, per_page = 70 * mm, 37 * mm, 3, 24
    left = (A4[0] - cols * lw) / 2
    top = A4[1] - (A4[1] - 8 * lh) / 2
    for k, (number, surname, name, patronymic, service, year) in enumerate(rows):
        slot = k % per_page
        if k and slot == 0:
            c.showPage()
        row, col = divmod(slot, cols)
        x, y = left + col * lw, top - (row + 1) * lh
        pad = 2.5 * mm
        c.setFont("FloorRoboto-Bold", 11)
        c.drawString(x + pad, y + lh - pad - 11, number)
        c.setFont("FloorRoboto", 9.5)
        c.drawString(x + pad, y + lh - pad - 24, full_name(surname, name, patronymic))
        c.setFont("FloorRoboto", 8)
        c.drawString(x + pad, y + lh - pad - 35, f"{year} · {service}")
        widget = Code128(number, barWidth=0.33 * mm, barHeight=12 * mm, humanReadable=0,
                         quiet=1)
        widget.drawOn(c, x + (lw - widget.width) / 2, y + 1.5 * mm)
    c.showPage()
    c.save()
    return buf.getvalue()


def inventory_data(engine, box_id: int) -> dict:
    sql = text("""
        SELECT c.number, a.surname, a.name, a.patronymic, s.short_name, c.year, c.sheets
        FROM case_files c JOIN applicants a ON a.id = c.applicant_id
        JOIN services s ON s.id = c.service_id WHERE c.box_id = :box ORDER BY c.number""")
    with engine.connect() as conn:
        barcode = conn.execute(text("SELECT barcode FROM archive_boxes WHERE id = :b"),
                               {"b": box_id}).scalar()
        return {"barcode": barcode, "files": [tuple(r) for r in
                                              conn.execute(sql, {"box": box_id})]}


def draw_inventory(d: dict) -> bytes:
    """Опись дел of one box as a ReportLab table (as many pages as it takes)."""
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Table, TableStyle

    _fonts()
    st = _styles()
    buf = BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm,
                            topMargin=15 * mm, bottomMargin=15 * mm)
    rows = [[Paragraph(h, st["small"]) for h in ("<b>№</b>", "<b>Номер дела</b>",
                                                 "<b>ФИО</b>", "<b>Услуга</b>",
                                                 "<b>Крайние даты</b>", "<b>Листов</b>")]]
    for i, (number, surname, name, patronymic, service, year, sheets) in enumerate(
            d["files"], start=1):
        rows.append([Paragraph(str(i), st["small"]), Paragraph(number, st["small"]),
                     Paragraph(full_name(surname, name, patronymic), st["small"]),
                     Paragraph(service, st["small"]), Paragraph(str(year), st["small"]),
                     Paragraph(str(sheets), st["small"])])
    width = A4[0] - 30 * mm
    table = Table(rows, colWidths=[w * width for w in (0.06, 0.2, 0.32, 0.22, 0.1, 0.1)],
                  repeatRows=1)
    table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, "#000000")]))
    total = sum(r[6] for r in d["files"])
    doc.build([Paragraph(f"ОПИСЬ ДЕЛ · короб {d['barcode']}", st["title"]), table,
               Paragraph(f"Всего дел: {len(d['files'])}, листов: {total}", st["base"])])
    return buf.getvalue()
