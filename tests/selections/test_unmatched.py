"""The four groups a specialist acts on, and the lines not found listed with a reason."""

from __future__ import annotations

import csv
import io
from datetime import date

from openpyxl import load_workbook

from onewindow.selections.queries import PAGE_SIZE

from .helpers import csv_bytes, import_file, make_recipient, snils


def _people(session):
    anna = make_recipient(session, surname="Иванова", name="Анна", patronymic="Петровна",
                          birth_date=date(1980, 5, 1), snils=snils(1))
    make_recipient(session, surname="Петров", name="Олег", patronymic="Ильич",
                   birth_date=date(1970, 2, 2), snils=None)
    make_recipient(session, surname="Смирнова", name="Ольга", patronymic="Ивановна",
                   birth_date=date(1961, 3, 3), snils=snils(3))
    # Known to the office, but without an active case file: not a recipient.
    make_recipient(session, active=False, surname="Козлов", name="Ян", patronymic="Ильич",
                   birth_date=date(1950, 4, 4), snils=snils(4))
    session.commit()
    return anna


ROWS = [
    [snils(1), "Иванова", "Анна", "Петровна", "01.05.1980", "умер", "", ""],      # 2 auto
    ["", "Петрова", "Олег", "Ильич", "02.02.1970", "умер", "", ""],              # 3 fuzzy
    [snils(3), "Другая", "Ольга", "Ивановна", "03.03.1961", "умер", "", ""],      # 4 conflict
    [snils(4), "Козлов", "Ян", "Ильич", "04.04.1950", "умер", "", ""],            # 5 not rec.
    ["", "Неизвестный", "Иван", "", "05.05.1955", "переезд", "", "прим"],        # 6 unknown
]


def test_four_groups_and_reasons_on_the_page_and_in_the_xlsx(specialist_client, session,
                                                             tmp_path):
    _people(session)
    selection, job = import_file(session, tmp_path, csv_bytes(ROWS))
    assert job.status == "done"
    sid = selection.id
    session.close()
    page = specialist_client.get(f"/selections/{sid}").get_data(as_text=True)
    assert 'Сопоставлены автоматически</a>: <strong id="group-auto">1</strong>' in page
    assert 'Кандидаты — подтвердить</a>: <strong id="group-candidates">1</strong>' in page
    assert ('Конфликты (СНИЛС совпал, ФИО другое)</a>: <strong id="group-conflicts">1'
            '</strong>') in page
    assert ('Не найдены среди получателей</a>: <strong id="unmatched-total">2</strong>'
            in page)
    assert "№ 5" in page and "заявитель найден, но действующего личного дела нет" in page
    assert "№ 6" in page and "нет среди заявителей: ФИО с датой рождения не найдены" in page

    wb = load_workbook(io.BytesIO(specialist_client.get(
        f"/selections/{sid}/report.xlsx").data))
    groups = {r[2]: r[0] for r in wb["Совпадения"].iter_rows(min_row=2, values_only=True)}
    assert groups == {2: "сопоставлено автоматически", 3: "кандидат — подтвердить",
                      4: "конфликт: СНИЛС совпал, ФИО другое"}
    missing = list(wb["Не найдены"].iter_rows(min_row=2, values_only=True))
    assert [(r[1], r[2], r[7]) for r in missing] == [
        (5, "Козлов Ян Ильич",
         "заявитель найден, но действующего личного дела нет (не получатель)"),
        (6, "Неизвестный Иван", "нет среди заявителей: ФИО с датой рождения не найдены")]
    assert missing[1][8] == "Примечание: прим"
    assert wb["Совпадения"]["I1"].value == "Прочие данные файла"


def test_four_groups_in_the_csv_with_line_numbers_and_the_files_data(specialist_client,
                                                                     session, tmp_path):
    _people(session)
    rows = [list(r) for r in ROWS]
    rows[0][5] = "=1+2"  # a formula in the file's own event type: neutralised
    selection, _job = import_file(session, tmp_path, csv_bytes(rows))
    sid = selection.id
    session.close()
    response = specialist_client.get(f"/selections/{sid}/report.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.data.startswith(b"\xef\xbb\xbf")
    lines = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig")), delimiter=";"))
    assert lines[0][:9] == ["Группа", "Селекция №", "Строка файла", "ФИО в файле",
                            "Дата рождения", "СНИЛС", "Тип события", "Дата события",
                            "Прочие данные файла"]
    assert [(r[0], r[2], r[3]) for r in lines[1:]] == [
        ("сопоставлено автоматически", "2", "Иванова Анна Петровна"),
        ("кандидат — подтвердить", "3", "Петрова Олег Ильич"),
        ("конфликт: СНИЛС совпал, ФИО другое", "4", "Другая Ольга Ивановна"),
        ("не найдено среди получателей", "5", "Козлов Ян Ильич"),
        ("не найдено среди получателей", "6", "Неизвестный Иван"),
    ]
    auto, _fuzzy, conflict, not_recipient, unknown = lines[1:]
    assert auto[4:9] == ["01.05.1980", snils(1), "'=1+2", "", ""]
    assert auto[9] == "Иванова Анна Петровна" and auto[11] == "100"
    assert conflict[5] == snils(3) and conflict[9] == "Смирнова Ольга Ивановна"
    assert not_recipient[18].startswith("заявитель найден, но действующего личного дела нет")
    assert unknown[8] == "Примечание: прим" and unknown[9] == ""
    assert specialist_client.get("/selections/report.csv?period=11.2026").status_code == 200


def test_page_lists_hits_by_group(specialist_client, session, tmp_path):
    _people(session)
    selection, _job = import_file(session, tmp_path, csv_bytes(ROWS))
    sid = selection.id
    session.close()
    conflicts = specialist_client.get(f"/selections/{sid}?state=all&group=conflicts",
                                      headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "Найдено: 1" in conflicts and "Другая Ольга" in conflicts
    assert "Петрова Олег" not in conflicts
    assert "конфликты: СНИЛС совпал, ФИО другое" in conflicts  # the row names its group
    candidates = specialist_client.get(f"/selections/{sid}?state=all&group=candidates",
                                       headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "Петрова Олег" in candidates and "Другая Ольга" not in candidates


def test_unmatched_lines_are_paginated(specialist_client, session, tmp_path):
    rows = [["", f"Фамилия{n:03d}", "Имя", "", "01.01.1980", "", "", ""]
            for n in range(PAGE_SIZE + 5)]
    selection, _job = import_file(session, tmp_path, csv_bytes(rows))
    sid = selection.id
    session.close()
    page = specialist_client.get(f"/selections/{sid}").get_data(as_text=True)
    assert "страница 1 из 2" in page and f"№ {PAGE_SIZE + 1}<" in page
    fragment = specialist_client.get(f"/selections/{sid}/unmatched?nf_page=2",
                                     headers={"HX-Request": "true"}).get_data(as_text=True)
    assert fragment.startswith('<div id="selection-unmatched">')
    assert "страница 2 из 2" in fragment
    assert f"№ {PAGE_SIZE + 2}<" in fragment and f"№ {PAGE_SIZE + 6}<" in fragment
    assert "№ 2<" not in fragment
