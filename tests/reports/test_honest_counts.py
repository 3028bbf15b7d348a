"""Honest report figures: selections loaded (each file once), archive moves without the
placements of a register import — with data the old queries miscounted."""

from __future__ import annotations

from datetime import date, datetime

from onewindow.archive import services as archive
from onewindow.archive.models import CaseFileMove, ImportBatch
from onewindow.reporting.periods import period_of
from onewindow.reports.registries import archive_figures, selections_figures
from onewindow.selections.models import Selection, SelectionHit, SelectionRow

from ..archive.helpers import make_box, make_case_file
from ..factories import make_applicant

AT = datetime(2026, 11, 3, 10, 0)
WEEK = period_of("week", date(2026, 11, 2))


def _selection(session, status, sha, *, rows=0, hits=0, at=AT):
    selection = Selection(source="sfr", period="2026-11", filename=f"{status}.csv",
                          file_format="csv", sha256=sha * 64, status=status,
                          rows_total=rows, rows_good=rows, imported_at=at)
    session.add(selection)
    session.flush()
    for n in range(hits):
        row = SelectionRow(selection_id=selection.id, line_no=n + 2)
        session.add(row)
        session.flush()
        session.add(SelectionHit(selection_id=selection.id, row_id=row.id,
                                 applicant_id=make_applicant(session).id, rule="snils",
                                 confidence=100, status="confirmed"))
    session.flush()
    return selection


def test_selections_received_are_loaded_ones_each_file_once(session):
    _selection(session, "done", "a", rows=100, hits=2)
    _selection(session, "done", "a", rows=100, hits=2)  # the same file loaded again
    _selection(session, "done", "b", rows=10, hits=1)
    for status, sha in (("draft", "c"), ("invalid", "d"), ("failed", "e"),
                        ("cancelled", "f"), ("queued", "g"), ("draft", "b")):
        _selection(session, status, sha, rows=50)
    _selection(session, "done", "h", rows=7, at=datetime(2026, 11, 20))  # another week
    session.commit()
    figures = dict(selections_figures(session, WEEK, date(2026, 11, 9)))
    assert figures["Выборок получено"] == 2  # 9 uploads of the week were counted before
    assert figures["Строк в загруженных выборках"] == 110  # 210 with the re-upload
    assert figures["Совпадений с заявителями"] == 3  # 5 with the re-upload's hits


def test_reupload_in_a_later_period_is_not_received_again(session):
    _selection(session, "done", "a", rows=100, at=datetime(2026, 10, 20))
    _selection(session, "done", "a", rows=100)
    session.commit()
    assert dict(selections_figures(session, WEEK, date(2026, 11, 9)))["Выборок получено"] == 0


def test_selection_period_report_counts_a_file_once(session):
    from onewindow.selections.queries import period_selection_ids

    first = _selection(session, "done", "a", rows=100)
    _selection(session, "done", "a", rows=100)
    _selection(session, "failed", "b", rows=3)
    session.commit()
    assert period_selection_ids(session, "2026-11") == [first.id]


def test_archive_moves_exclude_import_placements(session, users):
    user = users["archivist"]
    box, other = make_box(session, rack=1), make_box(session, rack=2)
    batch = ImportBatch(filename="реестр.xlsx", at=AT, user_id=user.id, rows_total=3)
    session.add(batch)
    session.flush()
    imported = []
    for _n in range(3):
        case_file = make_case_file(session, user=user, now=AT)
        case_file.import_batch_id, case_file.box_id = batch.id, box.id
        session.add(CaseFileMove(case_file_id=case_file.id, from_box_id=None,
                                 to_box_id=box.id, at=AT, user_id=user.id))
        imported.append(case_file)
    session.flush()
    later = datetime(2026, 11, 4, 11, 0)
    # Real work: an imported folder moved to another box, a new folder filed by hand.
    archive.place_case_file(session, case_file=imported[0], box=other, user_id=user.id,
                            now=later)
    fresh_file = make_case_file(session, user=user, now=later)
    archive.place_case_file(session, case_file=fresh_file, box=box, user_id=user.id,
                            now=later)
    session.commit()
    figures = dict(archive_figures(session, WEEK, date(2026, 11, 9)))
    assert figures["Перемещений дел"] == 2  # 5 before: the 3 placements of the import
    assert figures["Размещено при импорте"] == 3
