"""Figures of the other areas (requests, appeals, selections, archive) for one report.

Each section is a function (session, period, today) -> list of (indicator, value) and is
skipped when its area is not installed (ImportError): add a new area's figures by
appending a (title, function) pair to SECTIONS.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from ..archive.models import CaseFile, CaseFileEvent, CaseFileMove, Checkout, ImportBatch
from ..registry.models import APPEAL_OPEN, REQUEST_OPEN, Appeal, Request
from ..reporting import charts
from ..reporting.periods import Period
from ..reporting.tables import INT, Column, Report, Table
from ..selections.models import Selection, SelectionHit
from ..selections.queries import counted_selections

Rows = list[tuple[str, int]]


def _count(session: Session, model, *conditions) -> int:
    return session.scalar(select(func.count()).select_from(model).where(*conditions)) or 0


def requests_figures(session: Session, period: Period, today: date) -> Rows:
    inside = (Request.received_on >= period.start, Request.received_on <= period.end)
    incoming = (Request.direction == "in", *inside)
    answered = (Request.direction == "in", Request.answer_date >= period.start,
                Request.answer_date <= period.end, Request.status == "answered")
    return [
        ("Входящих запросов зарегистрировано", _count(session, Request, *incoming)),
        ("Ответов направлено", _count(session, Request, *answered)),
        ("из них в срок", _count(session, Request, *answered,
                                 (Request.due_date.is_(None))
                                 | (Request.answer_date <= Request.due_date))),
        ("из них с нарушением срока", _count(session, Request, *answered,
                                             Request.answer_date > Request.due_date)),
        ("Переадресовано", _count(session, Request, *incoming, Request.status == "forwarded")),
        ("Входящих в работе сейчас", _count(session, Request, Request.direction == "in",
                                            Request.status.in_(REQUEST_OPEN))),
        ("из них просрочено", _count(session, Request, Request.direction == "in",
                                     Request.status.in_(REQUEST_OPEN),
                                     Request.due_date < today)),
        ("Исходящих запросов направлено", _count(session, Request, Request.direction == "out",
                                                 *inside)),
        ("Ждём ответа сверх срока", _count(session, Request, Request.direction == "out",
                                           Request.status == "sent",
                                           Request.due_date < today)),
    ]


def appeals_figures(session: Session, period: Period, today: date) -> Rows:
    answered = (Appeal.status == "answered", Appeal.answer_date >= period.start,
                Appeal.answer_date <= period.end)
    return [
        ("Обращений зарегистрировано", _count(session, Appeal,
                                              Appeal.registered_on >= period.start,
                                              Appeal.registered_on <= period.end)),
        ("Дан ответ", _count(session, Appeal, *answered)),
        ("из них в срок", _count(session, Appeal, *answered,
                                 Appeal.answer_date <= Appeal.due_date)),
        ("из них с нарушением срока", _count(session, Appeal, *answered,
                                             Appeal.answer_date > Appeal.due_date)),
        ("Переадресовано", _count(session, Appeal, Appeal.status == "forwarded",
                                  Appeal.forwarded_on >= period.start,
                                  Appeal.forwarded_on <= period.end)),
        ("В работе сейчас", _count(session, Appeal, Appeal.status.in_(APPEAL_OPEN))),
        ("из них просрочено", _count(session, Appeal, Appeal.status.in_(APPEAL_OPEN),
                                     Appeal.due_date < today)),
    ]


def selections_figures(session: Session, period: Period, today: date) -> Rows:
    # Loaded selections only, a file loaded twice once (drafts and failures are not
    # lists received; a re-upload would double every figure below).
    counted = counted_selections(Selection.imported_at >= period.start_at,
                                 Selection.imported_at < period.end_before)
    loaded = (Selection.id.in_(counted),)
    hits = (SelectionHit.selection_id.in_(counted),)
    rows = session.scalar(select(func.coalesce(func.sum(Selection.rows_total), 0))
                          .where(*loaded)) or 0
    return [
        ("Выборок получено", _count(session, Selection, *loaded)),
        ("Строк в загруженных выборках", int(rows)),
        ("Совпадений с заявителями", _count(session, SelectionHit, *hits,
                                            SelectionHit.status != "rejected")),
        ("из них требуют подтверждения", _count(session, SelectionHit, *hits,
                                                SelectionHit.status == "candidate")),
        ("Обработано", _count(session, SelectionHit, *hits,
                              SelectionHit.processed_at.is_not(None))),
    ]


def archive_figures(session: Session, period: Period, today: date) -> Rows:
    moved = (CaseFileMove.at >= period.start_at, CaseFileMove.at < period.end_before)
    # A register import files its folders at the batch's moment: placements, not moves.
    by_import = exists().where(CaseFile.id == CaseFileMove.case_file_id,
                               ImportBatch.id == CaseFile.import_batch_id,
                               CaseFileMove.from_box_id.is_(None),
                               CaseFileMove.at == ImportBatch.at)
    return [
        ("Личных дел открыто", _count(session, CaseFileEvent, CaseFileEvent.kind == "opened",
                                      CaseFileEvent.at >= period.start_at,
                                      CaseFileEvent.at < period.end_before)),
        ("Перемещений дел", _count(session, CaseFileMove, *moved, ~by_import)),
        ("Размещено при импорте", _count(session, CaseFileMove, *moved, by_import)),
        ("Выдано дел", _count(session, Checkout, Checkout.issued_at >= period.start_at,
                              Checkout.issued_at < period.end_before)),
        ("Возвращено дел", _count(session, Checkout, Checkout.returned_at >= period.start_at,
                                  Checkout.returned_at < period.end_before)),
        ("Дел на руках сейчас", _count(session, Checkout, Checkout.returned_at.is_(None))),
        ("из них не возвращены в срок", _count(session, Checkout,
                                               Checkout.returned_at.is_(None),
                                               Checkout.due_on < today)),
    ]


SECTIONS: list[tuple[str, Callable[[Session, Period, date], Rows]]] = [
    ("Запросы", requests_figures),
    ("Обращения граждан", appeals_figures),
    ("Выборки СФР / ЦЗН", selections_figures),
    ("Архив личных дел", archive_figures),
]


def registries_report(session: Session, *, period: Period, today: date, **_) -> Report:
    table = Table("Показатели", [Column("Раздел"), Column("Показатель"),
                                 Column("Значение", INT)], key="figures")
    found: dict[str, dict[str, int]] = {}
    for title, section in SECTIONS:
        try:
            rows = section(session, period, today)
        except ImportError:  # that area is not installed
            continue
        found[title] = dict(rows)
        table.rows += [[title, name, value] for name, value in rows]
    report = Report("registries", "Запросы, обращения, выборки, архив", period, tables=[table],
                    landscape=False)
    timely = [(t, f) for t, f in found.items() if "из них в срок" in f]
    if timely:
        report.charts = [charts.bar_chart(
            "Ответы в срок и с нарушением срока", [t for t, _ in timely],
            [("В срок", [f["из них в срок"] for _, f in timely]),
             ("С нарушением", [f["из них с нарушением срока"] for _, f in timely])],
            width=560)]
    return report
