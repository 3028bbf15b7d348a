"""The inventory list (опись дел), drawn with ReportLab: notes, empty boxes, several boxes."""

from __future__ import annotations

import io
import re

from pypdf import PdfReader

from onewindow.archive import services

from ..conftest import login
from ..pdfcheck import pdf_text
from .helpers import NOW, make_box, make_case_file


def _text(pdf: bytes) -> str:
    return " ".join(pdf_text(pdf).split())


def test_notes_of_closed_and_issued_files(client, users, session):
    box = make_box(session, room="Архив", rack=2, shelf=5)
    closed, issued = make_case_file(session, sheets=3), make_case_file(session, sheets=4)
    for case_file in (closed, issued):
        services.place_case_file(session, case_file=case_file, box=box, user_id=None, now=NOW)
    services.close_case_file(session, closed, reason="moved_away", note=None,
                             user_id=users["archivist"].id, now=NOW)
    services.toggle_checkout(session, case_file=issued, to_user_id=users["specialist"].id,
                             due_on=NOW.date(), user_id=None, now=NOW)
    box_id, barcode = box.id, box.barcode
    numbers = sorted((closed.number, issued.number))
    session.commit()
    login(client, users["archivist"])

    text = _text(client.get(f"/archive/boxes/{box_id}/inventory.pdf").data)
    assert f"({barcode}) — Архив, стеллаж 2, полка 5" in text
    # The note wraps in its narrow column; the layout text interleaves the columns' lines.
    assert re.search(r"закрыто: .*выбытие .*\(переезд\)", text) and "выдано" in text
    assert all(n in text for n in numbers)
    assert "внесено 2 (два) дела, с № 1 по № 2; всего листов: 7." in text


def test_an_empty_box_and_a_list_of_several_boxes(client, users, session):
    empty, full = make_box(session), make_box(session)
    case_file = make_case_file(session)
    services.place_case_file(session, case_file=case_file, box=full, user_id=None, now=NOW)
    ids = f"{empty.id},{full.id}"
    session.commit()
    login(client, users["archivist"])

    pdf = client.get(f"/archive/inventory.pdf?ids={ids}").data
    assert len(PdfReader(io.BytesIO(pdf)).pages) == 2  # a section per box, each on its page
    text = _text(pdf)
    assert "Короб пуст." in text and "внесено 0 (ноль) дел; всего листов: 0." in text
    assert case_file.number in text and text.count("ОПИСЬ ДЕЛ") == 2
