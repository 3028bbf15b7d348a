"""Selections in headless Chromium: upload, mapping, progress polling, keyboard work."""

from __future__ import annotations

import re
from datetime import date

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from onewindow.selections.models import SelectionDecision, SelectionHit

from ..factories import DEFAULT_PASSWORD
from ..selections.helpers import csv_bytes, fresh, import_file, make_recipient, snils
from .keyboard import press_key

pytestmark = pytest.mark.browser


def login(page, username):
    page.goto("/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEFAULT_PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/$"))


def test_upload_poll_and_process_by_keyboard(page, session, users, tmp_path, app):
    app.config["SELECTIONS_UPLOAD_DIR"] = str(tmp_path / "uploads")
    make_recipient(session, surname="Иванова", name="Анна", snils=snils(1))
    username = users["specialist"].username
    session.commit()
    session.close()
    path = tmp_path / "sfr.csv"
    path.write_bytes(csv_bytes(
        [[snils(1), "Иванова", "Анна", "Петровна", "01.05.1980", "умер", "", ""]],
        encoding="cp1251"))
    login(page, username)
    page.click("text=Селекции")
    page.set_input_files("input[name=file]", str(path))
    page.click("text=Загрузить и сопоставить столбцы")
    page.wait_for_url(re.compile(r"/selections/\d+/mapping$"))
    expect(page.locator(".selection-preview")).to_contain_text("Иванова")
    # The columns are listed once in the page; every field's list gets them all, its
    # guessed column still chosen.
    columns = page.locator(".selection-preview th").count()
    lists = page.locator(".mapping-grid select")
    assert lists.count() > 3
    for i in range(lists.count()):
        assert lists.nth(i).locator("option").count() == columns + 1
    assert lists.first.input_value() != ""
    page.click("text=Проверить и загрузить")
    # The page polls the job and reloads itself with the final state.
    expect(page.locator("#selection-status")).to_have_text("загружена", timeout=20_000)
    row = page.locator("[data-hit-row]").first
    expect(row).to_contain_text("СНИЛС совпал")
    page.keyboard.press("j")
    expect(row).to_be_focused()
    page.keyboard.press("2")
    expect(row.locator(".hit-question")).to_contain_text("«запрошены документы»")
    expect(row.locator("[data-confirm-yes]")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("[data-hit-row] .hit-outcome-done")).to_have_text("запрошены документы")
    hit = fresh(session).scalar(select(SelectionHit))
    assert hit.outcome == "docs_requested"
    session.rollback()
    app.config.pop("SELECTIONS_UPLOAD_DIR", None)


def test_decision_is_asked_then_confirmed_by_enter_and_undone(page, session, users, tmp_path,
                                                              app):
    """Russian layout on: «о» (J) moves, 1 asks, Esc says no, Enter says yes, «я» (Z) undoes."""
    app.config["SELECTIONS_UPLOAD_DIR"] = str(tmp_path / "uploads")
    for n, surname in ((1, "Иванова"), (2, "Петрова")):
        make_recipient(session, surname=surname, name="Анна", patronymic="Петровна",
                       birth_date=date(1980, 5, 1), snils=snils(n))
    session.commit()
    selection, _job = import_file(session, tmp_path, csv_bytes(
        [[snils(n), s, "Анна", "Петровна", "01.05.1980", "умер", "", ""]
         for n, s in ((1, "Иванова"), (2, "Петрова"))]), user=users["specialist"])
    sid, username, user_id = selection.id, users["specialist"].username, users["specialist"].id
    session.commit()
    session.close()
    login(page, username)
    page.goto(f"/selections/{sid}")
    first, second = page.locator("[data-hit-row]").first, page.locator("[data-hit-row]").nth(1)
    expect(first).to_be_focused()  # the list opens on its first row
    press_key(page, "KeyJ")  # «о»
    expect(second).to_be_focused()
    press_key(page, "KeyK")  # «л»
    expect(first).to_be_focused()
    press_key(page, "Digit1")
    question = first.locator(".hit-question")
    expect(question).to_contain_text("Записать «выплата приостановлена» по строке № 2")
    expect(first.locator("[data-confirm-yes]")).to_be_focused()
    page.keyboard.press("Escape")
    expect(first.locator(".hit-question")).to_have_count(0)
    expect(first).to_be_focused()
    assert fresh(session).scalar(select(SelectionHit).where(
        SelectionHit.processed_at.is_not(None))) is None
    session.rollback()
    press_key(page, "Digit1")
    expect(first.locator("[data-confirm-yes]")).to_be_focused()
    page.keyboard.press("Enter")
    expect(first.locator(".hit-outcome-done")).to_have_text("выплата приостановлена")
    expect(second).to_be_focused()  # on to the next row
    hit = fresh(session).scalar(select(SelectionHit).where(SelectionHit.outcome.is_not(None)))
    assert hit.outcome == "suspended"
    session.rollback()
    press_key(page, "KeyK")  # «л»: back to the row just worked
    expect(first).to_be_focused()
    press_key(page, "KeyZ")  # «я»: undo
    expect(first.locator("[data-outcome-form]")).to_be_visible()
    expect(first.locator(".hit-undo")).to_have_count(0)
    hit = fresh(session).get(SelectionHit, hit.id)
    assert hit.outcome is None and hit.processed_at is None
    decision = session.scalar(select(SelectionDecision))
    assert decision.undone_by_id == user_id
    session.rollback()
    app.config.pop("SELECTIONS_UPLOAD_DIR", None)
