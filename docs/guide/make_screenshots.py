"""Make the guides' screenshots: headless Chromium over the demo data.

    .venv/bin/python docs/guide/make_screenshots.py            # every picture
    .venv/bin/python docs/guide/make_screenshots.py desk board  # only these

A throwaway SQLite database gets the catalog, the demo staff and applicants
(`flask demo`), an archive room with boxes, a queue with tickets; the app is served on
127.0.0.1 in a thread and each picture is taken as the role that uses the page, in a
1280×800 window, then reduced to a 256-colour palette so that each PNG stays under
150 KB (docs/guide/img/). Needs Chromium (/usr/bin/chromium) and Playwright for Python.
"""

from __future__ import annotations

import io
import logging
import shutil
import sys
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from flask_migrate import upgrade  # noqa: E402
from PIL import Image  # noqa: E402
from playwright.sync_api import Page, sync_playwright  # noqa: E402
from sqlalchemy import select  # noqa: E402
from werkzeug.serving import make_server  # noqa: E402

from onewindow import create_app  # noqa: E402
from onewindow.applicants.models import Applicant  # noqa: E402
from onewindow.archive import services as archive  # noqa: E402
from onewindow.archive.models import CaseFile  # noqa: E402
from onewindow.auth.models import User  # noqa: E402
from onewindow.auth.passwords import DEMO_PASSWORD  # noqa: E402
from onewindow.catalog.services import seed_catalog  # noqa: E402
from onewindow.core import clock  # noqa: E402
from onewindow.demo import make_demo  # noqa: E402
from onewindow.extensions import db  # noqa: E402
from onewindow.queue import desks  # noqa: E402
from onewindow.queue.models import Desk, VisitPurpose  # noqa: E402
from onewindow.queue.services import call_next_ticket, issue_ticket  # noqa: E402

OUT = Path(__file__).resolve().parent / "img"
LIMIT = 150 * 1024
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
VIEWPORT = {"width": 1280, "height": 800}


@dataclass
class Shot:
    name: str  # img/<name>.png
    user: str  # demo login
    path: str  # page to open
    act: Callable[[Page, dict], None] | None = None  # what to do before the picture
    full: bool = False
    data: dict = field(default_factory=dict)


def _search(page: Page, ctx: dict) -> None:
    field_ = page.locator("input[name=q]").first
    field_.click()
    field_.press_sequentially(ctx["surname"][:5], delay=60)
    page.wait_for_selector("[data-item]")


def _service(page: Page, ctx: dict) -> None:
    page.wait_for_selector("#checklist input[type=checkbox]")
    page.locator("#checklist input[type=checkbox]").first.focus()
    page.keyboard.press("Digit1")  # the checklist's key: the first document is received


def _desk(page: Page, ctx: dict) -> None:
    page.locator(f"button[name=desk_id][value='{ctx['desk_id']}']").click()
    page.wait_for_selector("#call-next")
    page.locator("#call-next").click()
    page.wait_for_selector("[data-shortcut=F8]")


def _board(page: Page, ctx: dict) -> None:
    page.wait_for_selector(".board-row")


def _shortcuts(page: Page, ctx: dict) -> None:
    page.keyboard.press("F1")
    page.wait_for_selector("#shortcut-help[open]")


SHOTS = [
    Shot("login", "", "/login"),
    Shot("home-specialist", "specialist", "/"),
    Shot("applicants", "specialist", "/applicants/", _search),
    Shot("applicant-card", "specialist", "/applicants/{applicant_id}"),
    Shot("application-form", "specialist",
         "/applications/new?applicant_id={applicant_id}&service=ESP", _service),
    Shot("application", "specialist", "/applications/{application_id}"),
    Shot("transfer-register", "specialist", "/applications/register"),
    Shot("desk", "specialist", "/queue/desk", _desk),
    Shot("board", "", "/board", _board),
    Shot("shortcuts", "specialist", "/", _shortcuts),
    Shot("archive", "archivist", "/archive/"),
    Shot("archive-case", "archivist", "/archive/cases/{case_id}"),
    Shot("archive-scan", "archivist", "/archive/scan"),
    Shot("archive-structure", "archivist", "/archive/structure"),
    Shot("archive-labels", "archivist", "/archive/labels"),
    Shot("inventories", "archivist", "/archive/inventories/"),
    Shot("deadlines", "chief", "/registry/deadlines"),
    Shot("handover-new", "chief", "/registry/handovers/new"),
    Shot("reports", "chief", "/reports/"),
    Shot("report-intake", "chief", "/reports/intake"),
    Shot("queue-panel", "chief", "/queue/"),
    Shot("home-director", "director", "/"),
    Shot("admin", "admin", "/admin/"),
    Shot("admin-users", "admin", "/admin/users/"),
    Shot("admin-calendar", "admin", "/admin/calendar/"),
    Shot("audit", "admin", "/admin/audit/"),
]


def prepare(app) -> dict:
    """The demo office: staff, applicants, applications, an archive, today's queue."""
    with app.app_context():
        upgrade()
        seed_catalog(db.session)
        make_demo(db.session, applicants=120, applications=None, random_seed=20261128)
        now = clock.now()
        user = db.session.scalar(select(User).where(User.username == "archivist"))
        boxes = archive.bulk_create_structure(
            db.session, room_name="Архив, каб. 105", rack_number=1, shelf_from=1, shelf_to=3,
            boxes_per_shelf=4, capacity=50)
        cases = list(db.session.scalars(select(CaseFile).order_by(CaseFile.id).limit(60)))
        for i, case in enumerate(cases):
            archive.place_case_file(db.session, case_file=case, box=boxes[i // 10],
                                    user_id=user.id, now=now - timedelta(days=1))
        purpose = db.session.scalar(select(VisitPurpose).order_by(VisitPurpose.position))
        for minutes in (25, 18, 12, 7, 3, 1):
            issue_ticket(db.session, purpose_id=purpose.id, now=now - timedelta(minutes=minutes))
        # A colleague at window 2 has called the first visitor: the board shows a call.
        colleague = db.session.scalar(select(User).where(User.username == "specialist2"))
        window = db.session.scalar(select(Desk).where(Desk.number == 2))
        desks.sign_in(db.session, desk=window, user_id=colleague.id, now=now)
        call_next_ticket(db.session, desk=window, user_id=colleague.id, now=now)
        case = cases[0]
        applicant = db.session.get(Applicant, case.applicant_id)
        ctx = {"applicant_id": applicant.id, "surname": applicant.surname,
               "application_id": case.applications[0].id, "case_id": case.id,
               "desk_id": 1}
        db.session.commit()
        return ctx


def shrink(png: bytes) -> bytes:
    """A 256-colour palette PNG: the pages are flat colours and text."""
    image = Image.open(io.BytesIO(png)).convert("RGB")
    out = io.BytesIO()
    image.quantize(colors=256, method=Image.Quantize.MEDIANCUT).save(out, "PNG", optimize=True)
    return out.getvalue()


def take(shots: list[Shot], base: str, ctx: dict) -> None:
    OUT.mkdir(exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True,
                                     args=["--no-sandbox", "--disable-gpu"])
        contexts: dict[str, object] = {}
        try:
            for shot in shots:
                if shot.user not in contexts:
                    context = browser.new_context(locale="ru-RU", base_url=base,
                                                  viewport=VIEWPORT)
                    if shot.user:
                        page = context.new_page()
                        page.goto("/login")
                        page.fill("input[name=username]", shot.user)
                        page.fill("input[name=password]", DEMO_PASSWORD)
                        page.locator("form button[type=submit]").first.click()
                        page.wait_for_url(lambda url: "/login" not in url)
                        page.close()
                    contexts[shot.user] = context
                page = contexts[shot.user].new_page()
                page.set_default_timeout(15_000)
                page.goto(shot.path.format(**ctx))
                page.wait_for_load_state("networkidle")
                if shot.act is not None:
                    shot.act(page, ctx)
                    page.wait_for_load_state("networkidle")
                data = shrink(page.screenshot(full_page=shot.full))
                target = OUT / f"{shot.name}.png"
                target.write_bytes(data)
                print(f"{target.relative_to(ROOT)}: {len(data) // 1024} KB")
                if len(data) > LIMIT:
                    raise SystemExit(f"{target.name} is over 150 KB")
                page.close()
        finally:
            browser.close()


def main(names: list[str]) -> None:
    chosen = [s for s in SHOTS if not names or s.name in names]
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/guide.sqlite3",
            "SECRET_KEY": "guide-screenshots", "UPLOAD_DIR": f"{tmp}/uploads",
            "INSTITUTION_ADDRESS": "400026, г. Волгоград, пр-т Героев Сталинграда, д. 1",
            "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        })
        app.logger.setLevel(logging.WARNING)  # not a line per request of the pictures
        ctx = prepare(app)
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        server = make_server("127.0.0.1", 0, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            take(chosen, f"http://127.0.0.1:{server.server_port}", ctx)
        finally:
            server.shutdown()
            with app.app_context():
                db.session.remove()
                db.engine.dispose()


if __name__ == "__main__":
    main(sys.argv[1:])
