"""Selections in headless Chromium: upload, mapping, progress polling, keyboard work."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from onewindow.selections.models import SelectionHit

from ..factories import DEFAULT_PASSWORD
from ..selections.helpers import csv_bytes, fresh, make_recipient, snils

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
    expect(page.locator("[data-hit-row] .hit-outcome-done")).to_have_text("запрошены документы")
    hit = fresh(session).scalar(select(SelectionHit))
    assert hit.outcome == "docs_requested"
    session.rollback()
    app.config.pop("SELECTIONS_UPLOAD_DIR", None)
