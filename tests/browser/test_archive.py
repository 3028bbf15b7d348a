"""The archive scan page in headless Chromium, with scanner-speed typing (10 scans/s)."""

from __future__ import annotations

import re
import time

import pytest
from sqlalchemy import select

from onewindow.archive.models import CaseFile, CaseFileMove, Checkout
from onewindow.core.keyboard import as_russian_keys, barcode_text

from ..archive.helpers import make_box, make_case_file
from ..factories import DEFAULT_PASSWORD

pytestmark = pytest.mark.browser

SCAN_INTERVAL = 0.1  # a keyboard-wedge scanner burst: 10 codes per second


def login(page, user):
    page.goto("/login")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", DEFAULT_PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/$"))


def scan_burst(page, codes):
    """Type each code and Enter into whatever has the focus, 10 codes per second."""
    for code in codes:
        started = time.monotonic()
        page.keyboard.type(code)
        page.keyboard.press("Enter")
        rest = SCAN_INTERVAL - (time.monotonic() - started)
        if rest > 0:
            time.sleep(rest)


def wait_for_log(page, count):
    page.wait_for_function(
        "n => document.querySelectorAll('#scan-log li').length >= n", arg=count,
        timeout=60_000)
    page.wait_for_function(
        "() => document.querySelector('[data-archive-scan]').dataset.pending === '0'")
    # Newest first in the log: reverse for scan order.
    return page.eval_on_selector_all(
        "#scan-log li", "els => els.map(e => [e.dataset.code, e.className]).reverse()")


def test_placement_mode_at_scanner_speed(page, users, session):
    box = make_box(session, capacity=30)
    files = [make_case_file(session) for _ in range(15)]
    codes = [box.barcode] + [c.number for c in files]
    expected_ids = [c.id for c in files]
    box_id = box.id
    session.commit()
    login(page, users["archivist"])
    page.goto("/archive/scan?mode=place")
    assert page.evaluate("document.activeElement.id") == "scan-code"

    scan_burst(page, codes + ["NO-SUCH-CODE"])
    log = wait_for_log(page, len(codes) + 1)
    assert [code for code, _cls in log] == codes + ["NO-SUCH-CODE"]
    assert [cls for _code, cls in log] == ["ok"] * len(codes) + ["alarm"]
    assert "Код не найден" in page.inner_text("#scan-result")
    assert page.input_value("#scan-code") == ""
    assert page.evaluate("document.activeElement.id") == "scan-code"
    assert box.barcode in page.inner_text("#scan-current-box")

    session.rollback()  # a fresh snapshot: the server has written since
    placed = session.scalars(select(CaseFile.id).where(CaseFile.box_id == box_id)).all()
    assert sorted(placed) == sorted(expected_ids)
    moves = session.scalars(select(CaseFileMove).order_by(CaseFileMove.id)).all()
    assert [m.case_file_id for m in moves] == expected_ids  # in scan order
    assert all(m.user_id == users["archivist"].id for m in moves)


def test_issue_and_return_mode_at_scanner_speed(page, users, session):
    files = [make_case_file(session) for _ in range(10)]
    codes = [c.number for c in files]
    expected_ids = [c.id for c in files]
    reader = users["specialist"]
    reader_id = reader.id
    session.commit()
    login(page, users["archivist"])
    page.goto("/archive/scan?mode=issue")
    page.select_option("#scan-to-user", str(reader_id))
    page.wait_for_function("() => document.activeElement.id === 'scan-code'")

    # Out they go, then straight back: the second scan of each folder is its return.
    scan_burst(page, codes + codes)
    log = wait_for_log(page, 2 * len(codes))
    assert [code for code, _cls in log] == codes + codes
    assert all(cls == "ok" for _code, cls in log)
    summaries = page.eval_on_selector_all("#scan-log li", "els => els.map(e => e.textContent)")
    summaries.reverse()
    assert all("выдано" in s for s in summaries[:10])
    assert all("возвращено" in s for s in summaries[10:])

    session.rollback()
    checkouts = session.scalars(select(Checkout).order_by(Checkout.id)).all()
    assert [c.case_file_id for c in checkouts] == expected_ids
    assert all(c.issued_to_id == reader_id and c.returned_at is not None for c in checkouts)

    # One more burst issues them again and leaves them on the "out" list.
    scan_burst(page, codes[:5])
    wait_for_log(page, 25)
    page.goto("/archive/out")
    listed = page.inner_text("#out-list")
    assert all(code in listed for code in codes[:5])
    assert codes[5] not in listed


def test_russian_layout_scanner_double_reads_and_tally(page, users, session):
    """The scanner types key codes; with the Russian layout active, ASP/… arrives as ФЫЗ.…"""
    box = make_box(session, capacity=30)
    files = [make_case_file(session) for _ in range(3)]
    office = make_case_file(session, service_code="EDV")
    office.number = "ЕДВ-2015-00123"
    files.append(office)
    box_id = box.id
    expected_ids = [c.id for c in files]
    keys = [barcode_text(c.number) for c in files]  # what the labels' bars carry
    session.commit()
    login(page, users["archivist"])
    page.goto("/archive/scan?mode=place")
    assert page.evaluate("document.activeElement.id") == "scan-code"

    typed = [as_russian_keys(code) for code in [box.barcode] + keys]
    # The second folder's label is read twice in a row (a double read, ~50 ms apart).
    typed.insert(3, typed[2])
    assert typed[1] == as_russian_keys(files[0].number) and typed[5] == "ЕДВ-2015-00123"
    scan_burst(page, typed[:3])
    page.keyboard.type(typed[3])
    page.keyboard.press("Enter")
    scan_burst(page, typed[4:])
    log = wait_for_log(page, len(typed))
    assert [cls for _code, cls in log] == ["ok", "ok", "ok", "repeat", "ok", "ok"]
    assert "учтено один раз" in page.inner_text("#scan-log li.repeat")
    tally = page.locator("#scan-tally")
    assert (tally.get_attribute("data-placed"), tally.get_attribute("data-repeat")) == ("4", "1")
    assert "размещено — 4" in tally.inner_text()

    session.rollback()
    placed = session.scalars(select(CaseFileMove.case_file_id).where(
        CaseFileMove.to_box_id == box_id).order_by(CaseFileMove.id)).all()
    assert placed == expected_ids  # each once, in scan order
