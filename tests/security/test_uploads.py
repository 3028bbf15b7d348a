"""Uploads: size, field count, type by content, generated names, traversal → 404.

Both upload points are driven: the archive register import (/archive/import) and the
selection files of СФР and ЦЗН (/selections/upload).
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from onewindow.core import filetypes
from onewindow.core.filetypes import FileTypeMismatch, check_content, client_filename
from onewindow.selections.models import Selection

from ..archive import registers
from ..conftest import login
from ..factories import make_applicant
from ..selections.helpers import csv_bytes, dbf_bytes, snils, xlsx_bytes

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00"
       b"\x00\x90wS\xde\x00\x00\x00\x0cIDATx\x9cc\xf8\xcf\xc0\x00\x00\x03\x01\x01\x00\xc9\xfe"
       b"\x92\xef\x00\x00\x00\x00IEND\xaeB`\x82")
REGISTER = ("№ дела;ФИО;Дата рождения;СНИЛС;Услуга;Годы;Короб;Полка;Листов\n"
            ";Шишкина Ольга Юрьевна;04.03.1950;;EDV;2015;;;3\n")
SELECTION_ROWS = [[snils(1), "Шишкина", "Ольга", "Юрьевна", "01.05.1980", "умер", "", ""]]
TRAVERSALS = ("../../etc/passwd", "..%2F..%2Fetc%2Fpasswd", "%2e%2e%2f%2e%2e%2fetc%2fpasswd",
              "..\\..\\etc\\passwd", "....//....//etc/passwd", "..")


def _files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def _post_register(client, data: bytes, name: str, headers=None):
    return client.post("/archive/import", data={"file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data", headers=headers or {})


def _post_selection(client, data: bytes, name: str, headers=None):
    form = {"source": "sfr", "period": "11.2026", "encoding": "auto", "delimiter": "auto",
            "file": (io.BytesIO(data), name)}
    return client.post("/selections/upload", data=form, content_type="multipart/form-data",
                       headers=headers or {})


UPLOADERS = {"archive": ("archivist", _post_register), "selections": ("specialist",
                                                                      _post_selection)}


def _field_error(html: str) -> str:
    """The message shown next to the file field."""
    found = re.search(r'<p class="error" id="file-error">([^<]*)</p>', html)
    assert found, html[:3000]
    return found.group(1)


def _selections(session) -> int:
    session.rollback()
    return session.scalar(select(func.count(Selection.id)))


# ------------------------------------------------------------------ size and field count


@pytest.mark.parametrize("area", UPLOADERS)
def test_oversize_upload_is_413_with_the_message_by_the_field(app, client, users, session,
                                                              uploads, monkeypatch, area):
    role, post = UPLOADERS[area]
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 100 * 1024)
    login(client, users[role])
    big = REGISTER.encode("cp1251") + b"x" * (200 * 1024)
    response = post(client, big, "big.csv")
    assert response.status_code == 413
    html = response.get_data(as_text=True)
    assert "Файл больше допустимых 100 КБ" in _field_error(html) and "<form" in html
    assert "MAX_UPLOAD_MB" in html
    # htmx: nothing is swapped, the form keeps the chosen file, the page says why.
    response = post(client, big, "big.csv", headers={"HX-Request": "true"})
    assert response.status_code == 413
    assert response.headers["HX-Reswap"] == "none"
    alert = json.loads(response.headers["HX-Trigger"])["onewindow:alert"]
    assert "Файл больше допустимых 100 КБ" in alert["message"]
    assert _files(uploads) == [] and _selections(session) == 0


def test_too_many_form_fields_is_413(app, client, users, uploads, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_FORM_PARTS", 10)
    login(client, users["specialist"])
    fields = {f"f{i}": "x" for i in range(30)}
    response = client.post("/selections/upload", data=fields)
    assert response.status_code == 413
    assert "слишком много полей" in _field_error(response.get_data(as_text=True))
    # Any other form: the error page (or an htmx alert) says the same.
    response = client.post("/applicants/new", data=fields)
    assert response.status_code == 413 and "слишком много полей" in response.get_data(
        as_text=True)
    response = client.post("/applicants/new", data=fields, headers={"HX-Request": "true"})
    assert response.status_code == 413 and response.headers["HX-Reswap"] == "none"
    assert _files(uploads) == []


# ------------------------------------------------------------------ type by content


@pytest.mark.parametrize("area", UPLOADERS)
def test_png_renamed_to_csv_is_refused_by_its_content(client, users, session, uploads, area):
    role, post = UPLOADERS[area]
    login(client, users[role])
    response = post(client, PNG, "реестр.csv")
    assert response.status_code == 422
    assert "изображение PNG" in _field_error(response.get_data(as_text=True))
    assert _files(uploads) == [] and _selections(session) == 0


@pytest.mark.parametrize("area", UPLOADERS)
def test_docx_renamed_to_xlsx_is_refused(client, users, session, uploads, area):
    role, post = UPLOADERS[area]
    login(client, users[role])
    response = post(client, _zip({"[Content_Types].xml": DOCX_TYPES}), "таблица.xlsx")
    assert response.status_code == 422
    assert "документ Word" in _field_error(response.get_data(as_text=True))
    assert _files(uploads) == [] and _selections(session) == 0


def test_valid_cp1251_csv_is_accepted_by_both(client, users, session, uploads):
    make_applicant(session, surname="Шишкина", name="Ольга", patronymic="Юрьевна",
                   birth_date=date(1950, 3, 4))
    session.commit()
    login(client, users["archivist"])
    _token, html = registers.upload_and_check(client, REGISTER.encode("cp1251"), "реестр.csv")
    assert 'id="import-good">1<' in html
    client.post("/logout")
    login(client, users["specialist"])
    response = _post_selection(client, csv_bytes(SELECTION_ROWS, encoding="cp1251"), "sfr.csv")
    assert response.status_code == 303
    assert _selections(session) == 1


# ------------------------------------------------------------------ names and traversal


def test_uploaded_file_names_never_reach_the_disk(client, users, session, uploads, tmp_path):
    make_applicant(session, surname="Шишкина", name="Ольга", patronymic="Юрьевна",
                   birth_date=date(1950, 3, 4))
    session.commit()
    login(client, users["specialist"])
    response = _post_selection(client, csv_bytes(SELECTION_ROWS), "../../x.csv")
    assert response.status_code == 303
    session.rollback()
    selection = session.scalar(select(Selection))
    assert selection.filename == "x.csv"
    stored = Path(selection.stored_path)
    assert stored.parent == uploads / "selections"
    assert re.fullmatch(r"[0-9a-f]{32}\.csv", stored.name)
    client.post("/logout")
    login(client, users["archivist"])
    _token, html = registers.upload_and_check(client, REGISTER.encode("cp1251"),
                                              "../../../x.csv")
    assert "Предпросмотр: x.csv" in html
    previews = sorted(_files(uploads / "archive-imports"), key=lambda p: p.suffix)
    # The upload, its state and its check's progress, all under one generated name.
    assert sorted(p.name.split(".", 1)[1] for p in previews) == ["csv", "json",
                                                                  "progress.json"]
    assert all(re.fullmatch(r"[0-9a-f]{32}\.(csv|json|progress\.json)", p.name)
               for p in previews)
    assert len({p.name.split(".", 1)[0] for p in previews}) == 1
    # Nothing anywhere else: not beside the uploads, not in the test's folders.
    assert [p for p in _files(tmp_path) if uploads not in p.parents] == []
    assert not list(tmp_path.rglob("x.csv"))
    assert set(_files(uploads)) == {stored, *previews}


@pytest.mark.parametrize("token", ["../../etc/passwd", "../victim", "..%2Fvictim", "",
                                   "0" * 31 + "/", "A" * 32, "ａ" * 32])
@pytest.mark.parametrize("action", ["confirm", "cancel"])
def test_preview_token_that_is_not_ours_is_404(client, users, uploads, token, action):
    victim = uploads / "victim.json"
    victim.parent.mkdir(parents=True)
    victim.write_text(json.dumps({"filename": "x", "rows": [], "user_id": users[
        "archivist"].id}), encoding="utf-8")
    login(client, users["archivist"])
    response = client.post(f"/archive/import/{action}", data={"token": token})
    assert response.status_code == 404
    assert victim.exists()


def test_traversal_in_any_url_is_404(app, client, users):
    """Every route that takes a name or an id (stored files included), and static/."""
    login(client, users["admin"])
    seen = []
    for rule in app.url_map.iter_rules():
        if "<" not in rule.rule:
            continue
        for value in TRAVERSALS:
            url = re.sub(r"<[^>]+>", lambda _m, v=value: v, rule.rule)
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                seen.append((client.open(url, method=method).status_code, method, url))
    assert {"/static/../../etc/passwd", "/archive/import/../../etc/passwd/undo",
            "/selections/..%2F..%2Fetc%2Fpasswd/mapping",
            "/prints/../../etc/passwd.pdf"} <= {url for _s, _m, url in seen}
    bad = [s for s in seen if s[0] != 404]
    assert not bad, "\n".join(map(str, bad))


# ------------------------------------------------------------------ the content checks


DOCX_TYPES = ('<Types><Override PartName="/word/document.xml" ContentType="application/vnd.'
              'openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>')


def _zip(members: dict[str, bytes | str], *, compression=zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, body in members.items():
            archive.writestr(name, body)
    return buffer.getvalue()


def _refused(data, kind, match, **kwargs):
    with pytest.raises(FileTypeMismatch, match=match):
        check_content(data, kind, **kwargs)


def test_text_check():
    check_content("ФИО;СНИЛС\r\nЁлкина;1\r\n".encode("cp1251"), "text")
    check_content("ФИО;СНИЛС\nЁлкина\t1\n".encode(), "text")
    check_content(b"\xef\xbb\xbf" + "ФИО\n".encode(), "text")
    check_content("ФИО\n".encode("cp1251") + b"\x1a", "text")  # a DOS end-of-file mark
    _refused(PNG, "text", "изображение PNG")
    _refused(b"%PDF-1.7\n", "text", "документ PDF")
    _refused(_zip({"a": "b"}), "text", "архив ZIP")
    _refused("ФИО\n".encode("utf-16"), "text", "UTF-16")
    _refused(b"a;b\n1;\x002\n", "text", "управляющие")
    _refused(b"a;b\n\x1a1;2\n", "text", "управляющие")
    _refused(b"", "text", "пуст")
    # 0x98 is «Ш» in cp866 but nothing in Windows-1251 (and no valid UTF-8).
    dos = "ШИШКИНА\n".encode("cp866")
    _refused(dos, "text", "ни в одной из кодировок UTF-8, Windows-1251")
    check_content(dos, "text", encodings=("utf-8", "cp1251", "cp866"))


def test_text_check_streams_across_chunks(tmp_path, monkeypatch):
    monkeypatch.setattr(filetypes, "CHUNK", 7)  # multi-byte letters split between chunks
    path = tmp_path / "a.csv"
    path.write_bytes(("Ёлкина;Щукин;Шишкина\n" * 50).encode())
    check_content(path, "text", encodings=("utf-8",))
    path.write_bytes(b"abcdef\x1a" + b"more\n")  # 0x1A at a chunk's end, but not the file's
    _refused(path, "text", "управляющие")


def test_xlsx_check(tmp_path):
    check_content(xlsx_bytes(SELECTION_ROWS), "xlsx")
    path = tmp_path / "a.xlsx"
    path.write_bytes(xlsx_bytes(SELECTION_ROWS))
    check_content(path, "xlsx")
    _refused(PNG, "xlsx", "изображение PNG")
    _refused(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100), "xlsx", r"\.xls")
    _refused(b"PK\x03\x04garbage", "xlsx", "повреждён")
    _refused(_zip({"xl/workbook.xml": "<x/>"}), "xlsx", "Content_Types")
    _refused(_zip({"[Content_Types].xml": DOCX_TYPES}), "xlsx", "документ Word")
    bomb = _zip({"[Content_Types].xml": "x", "xl/worksheets/sheet1.xml": b"\0" * (20 << 20)})
    _refused(bomb, "xlsx", "сжатие")


def test_dbf_check(tmp_path):
    fields = [("SNILS", "C", 14), ("FAM", "C", 40), ("DR", "D", 8)]
    good = dbf_bytes(fields, [(snils(1), "Шишкина", date(1980, 5, 1))])
    check_content(good, "dbf")
    path = tmp_path / "a.dbf"
    path.write_bytes(good)
    check_content(path, "dbf")
    _refused(PNG, "dbf", "изображение PNG")
    _refused(good[:20], "dbf", "нет заголовка")
    _refused(b"\x7f" + good[1:], "dbf", "версия")
    _refused(good[:2] + b"\x0d" + good[3:], "dbf", "дата")  # month 13
    _refused(good[:100], "dbf", "обрезан|длина заголовка")
    _refused(good[:-30], "dbf", "обрезан")
    wrong_record = bytearray(good)
    wrong_record[10] += 1  # record length no longer the sum of the fields
    _refused(bytes(wrong_record), "dbf", "длина записи")
    no_terminator = bytearray(good)
    no_terminator[32 + 32 * len(fields)] = 0x20
    _refused(bytes(no_terminator), "dbf", "описание полей")


def test_client_filename_is_for_display_only():
    assert client_filename("../../x.csv") == "x.csv"
    assert client_filename("..\\..\\Реестр 2026.xlsx") == "Реестр 2026.xlsx"
    assert client_filename("C:\\Users\\arh\\реестр.csv") == "реестр.csv"
    assert client_filename("a\r\nb.csv") == "ab.csv"
    assert client_filename("") == "файл"
