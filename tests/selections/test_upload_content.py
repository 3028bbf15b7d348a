"""Selection files are checked by content at upload: each format, good and bad."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import func, select

from onewindow.selections.models import Selection

from .helpers import HEADER, csv_bytes, dbf_bytes, fresh, snils, xlsx_bytes
from .test_import import _upload

ROWS = [[snils(1), "Шишкина", "Ольга", "Юрьевна", "01.05.1980", "умер", "", ""]]
DBF = dbf_bytes([("SNILS", "C", 14), ("FAM", "C", 40), ("DR", "D", 8)],
                [(snils(1), "Шишкина", date(1980, 5, 1))])


@pytest.mark.parametrize("data,name", [
    (csv_bytes(ROWS, encoding="cp1251"), "sfr.csv"),
    (csv_bytes(ROWS, encoding="cp866"), "sfr.txt"),  # «Ш» is 0x98: not Windows-1251
    (csv_bytes(ROWS, bom=True), "sfr.csv"),
    (xlsx_bytes(ROWS), "sfr.xlsx"),
    (DBF, "SFR.DBF"),
])
def test_each_format_is_accepted(specialist_client, session, upload_dir, data, name):
    response = _upload(specialist_client, data, name=name)
    assert response.status_code == 303
    selection = fresh(session).scalar(select(Selection))
    assert re.fullmatch(r"[0-9a-f]{32}\.(csv|xlsx|dbf)", selection.stored_path.rsplit("/")[-1])


@pytest.mark.parametrize("data,name,message", [
    (DBF[:-40], "sfr.dbf", "обрезан"),
    (csv_bytes(ROWS), "sfr.dbf", "не является таблицей DBF"),
    (DBF, "sfr.csv", "управляющие"),
    (xlsx_bytes(ROWS), "sfr.csv", "архив ZIP"),
    (csv_bytes(ROWS), "sfr.xlsx", "не является книгой Excel"),
    (";".join(HEADER).encode("utf-16"), "sfr.csv", "UTF-16"),
])
def test_content_that_does_not_match_the_name_is_refused(specialist_client, session, upload_dir,
                                                         data, name, message):
    response = _upload(specialist_client, data, name=name)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message in re.search(r'id="file-error">([^<]*)<', html).group(1)
    assert fresh(session).scalar(select(func.count(Selection.id))) == 0
    assert not list(upload_dir.glob("*"))
