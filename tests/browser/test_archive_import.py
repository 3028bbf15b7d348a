"""The register import wizard by keyboard only: upload → columns → preview → import → labels.

Tab and Enter move through the steps (a helper presses Tab until the wanted field has
the focus, as an archivist does); the profile name is typed with the Russian layout
active; the check and the import run in the background while the page polls.
"""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import func, select

from onewindow.archive.models import CaseFile, ImportProfile

from ..archive import registers
from .keyboard import type_ru
from .test_archive import login

pytestmark = pytest.mark.browser

MAX_TABS = 80


def tab_to(page, selector: str) -> None:
    """Press Tab until the element matching ``selector`` has the focus."""
    for _ in range(MAX_TABS):
        if page.evaluate("s => document.activeElement?.matches(s) ?? false", selector):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"{selector} never got the focus by Tab")


def test_register_import_by_keyboard_only(page, users, session, tmp_path):
    header = ["№ дела", "Фамилия", "Имя", "Отчество", "Д.р.", "Вид выплаты", "Год открытия"]
    rows = [["ЕДВ-2015-00123", "Новикова", "Ольга", "Павловна", date(1970, 5, 6), "ESP",
             2015],
            ["Л-345", "Ёлкин", "Семён", "Ильич", date(1933, 3, 3), "ESP", 2016],
            [None, "Петрова-Водкина", "Анна", "Ивановна", date(1960, 1, 2), "ESP", 2017]]
    path = tmp_path / "реестр.xlsx"
    path.write_bytes(registers.xlsx(header, rows, title="Реестр личных дел"))
    login(page, users["archivist"])
    page.goto("/archive/import")
    page.wait_for_load_state("load")
    # The file field has the focus; the system's file dialog is the operating system's
    # (headless Chromium opens none reliably), so the file is put into the field directly.
    assert page.evaluate("document.activeElement.name") == "file"
    page.set_input_files("input[name=file]", str(path))
    page.focus("input[name=file]")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.wait_for_selector("text=Шаг 1. Столбцы")
    # The proposed columns stand; the profile is named with the Russian layout active.
    assert page.evaluate("document.activeElement.id") == "map-number"
    tab_to(page, "input[name=profile_name]")
    type_ru(page, "Реестр ОСЗН", delay_ms=10)
    page.keyboard.press("Enter")
    # The check runs in the background; the progress page polls, then shows the preview.
    page.wait_for_selector("text=Шаг 2. Предпросмотр", timeout=60_000)
    assert page.inner_text("#import-good") == "3" and page.inner_text("#import-bad") == "0"
    assert page.evaluate("document.activeElement.textContent").startswith("Импортировать 3")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/archive/import/\d+$"), timeout=60_000)
    assert "Импортировано дел: 3" in page.content()
    session.rollback()  # a fresh snapshot: the job committed in its own thread
    numbers = dict(session.execute(select(CaseFile.import_row, CaseFile.number)).all())
    assert numbers[3] == "ЕДВ-2015-00123" and numbers[4] == "Л-345"
    assert session.scalar(select(func.count(ImportProfile.id)).where(
        ImportProfile.name == "Реестр ОСЗН")) == 1
    # Labels of register lines 4–5, by keyboard: the PDF opens in a new tab.
    tab_to(page, "#row_from")
    page.keyboard.type("4")
    page.keyboard.press("Tab")
    page.keyboard.type("5")
    with page.context.expect_event(
            "response", lambda r: "/labels.pdf?" in r.url, timeout=30_000) as response:
        page.keyboard.press("Enter")
    assert response.value.status == 200
    assert "row_from=4" in response.value.url and "row_to=5" in response.value.url
    assert response.value.headers["content-type"] == "application/pdf"
