"""Kiosk → desk → hall board in headless Chromium; the board survives failed polls."""

from __future__ import annotations

import re

import pytest

from onewindow.core import clock
from onewindow.queue import services

from ..factories import DEFAULT_PASSWORD

pytestmark = pytest.mark.browser


def test_ticket_from_kiosk_called_at_desk_appears_on_board(page, users, session):
    services.seed_queue(session)
    kiosk = services.issue_kiosk(session, name="Холл", user_id=None, now=clock.now())
    session.commit()
    token = kiosk.token

    board = page.context.new_page()
    board.goto("/board")
    assert "Ожидайте вызова" in board.inner_text("#board-calls")

    kiosk_page = page.context.new_page()
    kiosk_page.goto(f"/kiosk/activate/{token}")
    kiosk_page.wait_for_url(re.compile(r"/kiosk$"))
    kiosk_page.get_by_role("button", name=re.compile("Подать документы")).click()
    kiosk_page.wait_for_url(re.compile(r"/kiosk/tickets/\d+$"))
    assert kiosk_page.inner_text("#ticket-number") == "А-001"
    kiosk_page.goto("/kiosk")
    kiosk_page.get_by_role("button", name=re.compile("Консультация")).click()
    kiosk_page.wait_for_url(re.compile(r"/kiosk/tickets/\d+$"))
    assert kiosk_page.inner_text("#ticket-number") == "В-001"

    page.goto("/login")
    page.fill("#username", users["specialist"].username)
    page.fill("#password", DEFAULT_PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/$"))
    page.get_by_role("link", name="Очередь").click()
    page.get_by_role("link", name=re.compile("Моё окно")).click()
    page.get_by_role("button", name=re.compile("Окно 3")).click()
    page.wait_for_selector("#call-next")
    page.wait_for_load_state("load")  # queue.js binds the keys once the page has loaded
    page.keyboard.press("F2")  # «Вызвать следующего»
    page.wait_for_selector("#current-number")
    assert page.inner_text("#current-number") == "А-001"

    # The board picks the call up by polling, without a reload.
    board.wait_for_selector('.board-row.newest[data-number="А-001"]', timeout=5000)
    assert "3" in board.inner_text('.board-row.newest')

    # The server "goes away": polls fail, the board keeps showing the last calls.
    board.route("**/board/calls", lambda route: route.fulfill(status=502, body="Bad gateway"))
    board.wait_for_selector("[data-board-offline]:not([hidden])", timeout=5000)
    assert board.locator('.board-row.newest[data-number="А-001"]').count() == 1
    page.get_by_role("button", name=re.compile("Завершить")).click()
    page.wait_for_selector("#call-next")
    page.wait_for_load_state("load")  # queue.js binds the keys once the page has loaded
    page.keyboard.press("F2")
    page.wait_for_selector("#current-number")
    assert page.inner_text("#current-number") == "В-001"
    # …and comes back: the board recovers by itself.
    board.unroute("**/board/calls")
    board.wait_for_selector('.board-row.newest[data-number="В-001"]', timeout=5000)
    assert board.locator('.board-row[data-number="А-001"]').count() == 1
    assert board.locator("[data-board-offline]").is_hidden()
