"""An inventory scanning session in headless Chromium at scanner speed (10 scans/s)."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import select

from onewindow.archive import services as archive
from onewindow.inventory import services
from onewindow.inventory.models import InventoryBox, InventoryScan

from ..archive.helpers import make_box, make_case_file
from .test_archive import login, scan_burst, wait_for_log

pytestmark = pytest.mark.browser


def test_inventory_scan_session_at_scanner_speed(page, users, session):
    a, b = make_box(session), make_box(session)
    in_a = [make_case_file(session) for _ in range(8)]
    in_b = [make_case_file(session) for _ in range(3)]
    for box, files in ((a, in_a), (b, in_b)):
        for cf in files:
            archive.place_case_file(session, case_file=cf, box=box, user_id=None,
                                    now=datetime(2026, 11, 20, 9))
    inventory = services.open_inventory(
        session, order_number="7-од", order_date=date(2026, 11, 20), scope_kind="all",
        commission="Петрова Е. В.", deadline=date(2026, 12, 20), user_id=None,
        now=datetime(2026, 11, 20, 10))
    inventory_id, a_code, b_code = inventory.id, a.barcode, b.barcode
    codes = ([a_code] + [c.number for c in in_a[:7]] + [in_b[0].number, "NO-SUCH-1",
                                                          in_a[0].number]
             + [b_code] + [c.number for c in in_b[1:]])
    expected = (["ok"] * 8 + ["ok", "alarm", "alarm"] + ["ok"] * 3)
    outcomes = ["found"] * 7 + ["misplaced", "unknown", "duplicate", "found", "found"]
    session.commit()
    login(page, users["archivist"])
    page.goto(f"/archive/inventories/{inventory_id}/scan")
    assert page.evaluate("document.activeElement.id") == "scan-code"

    scan_burst(page, codes)
    log = wait_for_log(page, len(codes))
    assert [code for code, _cls in log] == codes
    assert [cls for _code, cls in log] == expected
    assert b_code in page.inner_text("#scan-current-box")
    assert "на месте 2 из 3" in page.inner_text("#scan-result")
    assert page.evaluate("document.activeElement.id") == "scan-code"

    session.rollback()
    scans = session.scalars(select(InventoryScan).where(
        InventoryScan.inventory_id == inventory_id).order_by(InventoryScan.id)).all()
    assert [s.outcome for s in scans] == outcomes  # in scan order
    assert all(s.user_id == users["archivist"].id for s in scans)

    with page.expect_navigation():
        page.click("button[value=paused]")
    assert "Короб " + b_code + ": пауза" in page.inner_text("body")
    session.rollback()
    states = dict(session.execute(select(InventoryBox.box_id, InventoryBox.state).where(
        InventoryBox.inventory_id == inventory_id)).all())
    assert states == {a.id: "in_progress", b.id: "paused"}
    page.goto(f"/archive/inventories/{inventory_id}")
    assert "коробов готово 0 из 2" in page.inner_text(".inventory-progress")
