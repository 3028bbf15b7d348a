"""Kiosk → desk → hall board in headless Chromium; the board survives failed polls."""

from __future__ import annotations

import re
import time

import pytest
from sqlalchemy import select

from onewindow.core import clock
from onewindow.feedback import services as feedback_services
from onewindow.prints.models import PrintedDocument
from onewindow.queue import services
from onewindow.queue.models import Desk, Ticket, VisitPurpose

from ..factories import DEFAULT_PASSWORD

# Records what the page plays and says instead of playing it: the chime (an Audio element)
# and the speech (speechSynthesis.speak), in order, on window.__sounds.
SOUND_SPY = """
window.__sounds = [];
(function () {
  function FakeAudio(src) {
    this.src = String(src || ""); this.currentTime = 0; this._listeners = {};
    window.__sounds.push(["audio", this.src]);
  }
  FakeAudio.prototype.addEventListener = function (type, fn) {
    (this._listeners[type] = this._listeners[type] || []).push(fn);
  };
  FakeAudio.prototype.play = function () {
    var self = this;
    if (window.__blockAutoplay) {
      return Promise.reject(new DOMException("no gesture yet", "NotAllowedError"));
    }
    window.__sounds.push(["chime", self.src]);
    setTimeout(function () { (self._listeners.ended || []).forEach(function (f) { f(); }); }, 20);
    return Promise.resolve();
  };
  FakeAudio.prototype.pause = function () {};
  window.Audio = FakeAudio;
  if (window.speechSynthesis) {
    window.speechSynthesis.speak = function (u) {
      window.__sounds.push(["speech", u.text, u.lang, u.voice ? u.voice.lang : null]);
      setTimeout(function () { u.dispatchEvent(new Event("end")); }, 20);
    };
  }
})();
"""


def login_at_desk(page, user, window: int):
    page.goto("/login")
    page.fill("#username", user.username)
    page.fill("#password", DEFAULT_PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/$"))
    page.goto("/queue/desk")
    page.get_by_role("button", name=re.compile(f"Окно {window}")).click()
    page.wait_for_selector("#call-next")
    page.wait_for_load_state("load")  # queue.js binds the keys once the page has loaded


def sounds(board):
    return board.evaluate("window.__sounds.filter(s => s[0] !== 'audio')")


def wait_for_speech(board, timeout: float = 3.0):
    """Poll the spy (wait_for_function would evaluate a string, which the CSP forbids)."""
    deadline = time.monotonic() + timeout
    while not any(s[0] == "speech" for s in sounds(board)):
        assert time.monotonic() < deadline, f"nothing was said: {sounds(board)}"
        board.wait_for_timeout(50)

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
    # А-001 was finished meanwhile: it has left the board.
    assert board.locator('.board-row[data-number="А-001"]').count() == 0
    assert board.locator("[data-board-offline]").is_hidden()


def _tickets(session, *letters):
    """Seed the queue and issue tickets of these purposes now (committed)."""
    services.seed_queue(session)
    purposes = {p.letter: p for p in session.scalars(select(VisitPurpose))}
    made = [services.issue_ticket(session, purpose_id=purposes[letter].id, now=clock.now())
            for letter in letters]
    session.commit()
    return [t.number for t in made]


def test_no_show_and_redirect_update_the_board(page, users, session):
    _tickets(session, "А", "А")
    board = page.context.new_page()
    board.goto("/board")
    login_at_desk(page, users["specialist"], 3)
    page.keyboard.press("F2")
    page.wait_for_selector("#current-number")
    board.wait_for_selector('.board-row.newest[data-number="А-001"]', timeout=2500)
    assert board.inner_text("#board-open") == "Открыты окна: 3"
    assert "1" in board.inner_text('#board-waiting li[data-letter="А"]')

    page.keyboard.press("F6")  # «Не явился»
    page.wait_for_selector("#call-next")
    # Within 2 s (the board polls every second) the row is gone.
    board.wait_for_selector('.board-row[data-number="А-001"]', state="detached", timeout=2000)
    assert "Ожидайте вызова" in board.inner_text("#board-calls")

    page.wait_for_load_state("load")
    page.keyboard.press("F2")
    page.wait_for_selector("#current-number")
    board.wait_for_selector('.board-row.newest[data-number="А-002"]', timeout=2500)
    page.select_option("#redirect-to", label="Окно 2")
    page.get_by_role("button", name="Перенаправить").click()
    page.wait_for_selector("#call-next")
    board.wait_for_selector('.board-row[data-number="А-002"]', state="detached", timeout=2000)
    # Called at window 2: back on the board with its new window.
    session.commit()  # a fresh transaction: the last one read before the server wrote
    desk2 = session.scalar(select(Desk).where(Desk.number == 2))
    ticket = services.call_next_ticket(session, desk=desk2, user_id=users["chief"].id,
                                       now=clock.now())
    session.commit()
    assert ticket.number == "А-002"
    board.wait_for_selector('.board-row.newest[data-number="А-002"]', timeout=2000)
    assert board.inner_text('.board-row[data-number="А-002"] .board-desk') == "2"
    assert board.locator(".board-row.newest").count() == 1
    assert session.scalar(select(Ticket).where(Ticket.number == "А-001")
                          ).status == "no_show"


def test_calls_are_announced_with_chime_and_voice(page, users, session):
    _tickets(session, "А", "Б", "А")
    board = page.context.new_page()
    board.add_init_script(SOUND_SPY)
    board.goto("/board")
    # First visit: the browser needs a gesture before any sound — the one-time prompt.
    prompt = board.locator("[data-sound-prompt]")
    assert prompt.is_visible()
    board.get_by_role("button", name="Включить звук").click()
    assert prompt.is_hidden()
    assert sounds(board) == [["chime", "/static/audio/chime.wav"]]
    served = board.request.get("/static/audio/chime.wav")
    assert served.ok and served.headers["content-type"].startswith("audio/")
    assert board.evaluate("localStorage.getItem('onewindow.board.sound')") == "on"
    board.evaluate("window.__sounds = []")

    login_at_desk(page, users["specialist"], 3)
    page.keyboard.press("F2")
    page.wait_for_selector("#current-number")
    wait_for_speech(board)
    assert [s[:3] for s in sounds(board)] == [
        ["chime", "/static/audio/chime.wav"], ["speech", "Талон А один, окно три", "ru-RU"]]

    # F3 — the same ticket called again is announced again.
    board.evaluate("window.__sounds = []")
    page.wait_for_load_state("load")
    page.keyboard.press("F3")
    page.wait_for_selector("#current-number")
    wait_for_speech(board)
    assert [s[:2] for s in sounds(board)][-1] == ["speech", "Талон А один, окно три"]
    # Nothing is announced twice while the board just keeps polling.
    board.wait_for_timeout(1500)
    assert [s[0] for s in sounds(board)] == ["chime", "speech"]

    # The choice is remembered: a reload brings no prompt back…
    board.reload()
    board.wait_for_selector("#board-live")
    assert board.locator("[data-sound-setting]").is_checked()
    assert board.locator("[data-sound-prompt]").is_hidden()
    # …unless the browser refuses to play without a gesture (no kiosk flags): then the
    # prompt comes back at the next call.
    board.evaluate("window.__blockAutoplay = true")
    page.keyboard.press("F3")
    page.wait_for_selector("#current-number")
    board.wait_for_selector("[data-sound-prompt]:not([hidden])", timeout=3000)
    board.evaluate("window.__blockAutoplay = false")
    board.get_by_role("button", name="Включить звук").click()
    assert board.locator("[data-sound-prompt]").is_hidden()

    # Sound off in the board's settings: calls are shown, not announced.
    board.locator(".board-settings summary").click()
    board.locator("[data-sound-setting]").uncheck()
    board.evaluate("window.__sounds = []")
    page.get_by_role("button", name=re.compile("Завершить")).click()
    page.wait_for_selector("#call-next")
    page.wait_for_load_state("load")
    page.keyboard.press("F2")
    page.wait_for_selector("#current-number")
    board.wait_for_selector('.board-row.newest[data-number="Б-001"]', timeout=3000)
    board.wait_for_timeout(300)
    assert sounds(board) == []
    assert board.locator("[data-sound-prompt]").is_hidden()


def activated_kiosk(page, session):
    services.seed_queue(session)
    kiosk = services.issue_kiosk(session, name="Холл", user_id=None, now=clock.now())
    session.commit()
    page.goto(f"/kiosk/activate/{kiosk.token}")
    page.wait_for_url(re.compile(r"/kiosk$"))
    return kiosk.token


# window.print in every frame records which document asked to be printed (on the top page).
PRINT_SPY = """
window.print = function () {
  var top = window.top;
  (top.__printed = top.__printed || []).push(
    [location.pathname, document.getElementById("print-number") &&
     document.getElementById("print-number").textContent]);
};
"""


def test_kiosk_prints_the_ticket_itself_and_returns_to_start(page, session):
    activated_kiosk(page, session)
    page.add_init_script(PRINT_SPY)
    page.goto("/kiosk")
    page.get_by_role("button", name=re.compile("Консультация")).click()
    page.wait_for_url(re.compile(r"/kiosk/tickets/\d+$"))
    ticket_id = int(page.url.rsplit("/", 1)[1])
    deadline = time.monotonic() + 5
    while not page.evaluate("window.__printed || []"):
        assert time.monotonic() < deadline, "the ticket was not printed"
        page.wait_for_timeout(50)
    # The ticket document itself was printed — not the kiosk page, not a PDF viewer tab.
    assert page.evaluate("window.__printed") == [[f"/kiosk/tickets/{ticket_id}/print",
                                                   "В-001"]]
    assert len(page.context.pages) == 1
    frame = page.frame_locator("[data-print-frame]")
    assert "Талон электронной очереди" in frame.locator("body").inner_text()
    # …and back to the start screen for the next visitor, by itself.
    page.wait_for_url(re.compile(r"/kiosk$"), timeout=10_000)
    assert page.get_by_role("button", name=re.compile("Подать документы")).is_visible()
    session.rollback()  # a fresh snapshot: the last one was read before the server wrote
    printed = session.scalars(select(PrintedDocument)).all()
    assert [(d.kind, d.object_id, d.url) for d in printed] == [
        ("ticket", str(ticket_id), f"/kiosk/tickets/{ticket_id}.pdf")]


def test_kiosk_device_cookie_is_renewed_on_use(page, session):
    token = activated_kiosk(page, session)
    (cookie,) = [c for c in page.context.cookies() if c["name"] == "onewindow_kiosk"]
    assert cookie["value"] == token
    # Months later the cookie is near its end (Chromium keeps one 400 days at most)…
    soon = time.time() + 2 * 24 * 3600
    page.context.add_cookies([{**cookie, "expires": soon}])
    # …and the kiosk is used: the cookie runs 400 days from now again.
    page.goto("/kiosk")
    (cookie,) = [c for c in page.context.cookies() if c["name"] == "onewindow_kiosk"]
    assert cookie["expires"] > time.time() + 399 * 24 * 3600
    page.get_by_role("button", name=re.compile("Подать документы")).click()
    page.wait_for_url(re.compile(r"/kiosk/tickets/\d+$"))
    icon = page.request.get("/favicon.ico")
    assert icon.ok and icon.headers["content-type"] == "image/vnd.microsoft.icon"


# Every visible control of the kiosk: its size and the contrast of its text on what is
# really behind it (the first ancestor with a background), WCAG's relative luminance.
MEASURE = """() => {
  function rgb(s) { const m = s.match(/[\\d.]+/g).map(Number); return m; }
  function lum(c) {
    const [r, g, b] = c.slice(0, 3).map(v => { v /= 255;
      return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  }
  function background(el) {
    for (; el; el = el.parentElement) {
      const c = rgb(getComputedStyle(el).backgroundColor);
      if (c.length < 4 || c[3] > 0) return c;
    }
    return [255, 255, 255];
  }
  const mm = 96 / 25.4;
  const seen = "main button, main a, main input, main h1, main p, main label";
  return [...document.querySelectorAll(seen)]
    .filter(el => el.offsetParent !== null)
    .map(el => {
      const box = el.getBoundingClientRect();
      const fg = lum(rgb(getComputedStyle(el).color)), bg = lum(background(el));
      const ratio = (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05);
      return {text: (el.innerText || el.value || el.name || "").trim().slice(0, 30),
              tag: el.tagName, w: box.width / mm, h: box.height / mm,
              ratio: Math.round(ratio * 10) / 10};
    });
}"""


def test_large_type_kiosk_mode(page, session):
    activated_kiosk(page, session)
    page.set_viewport_size({"width": 1080, "height": 1920})  # a portrait kiosk screen
    toggle = page.get_by_role("button", name="Крупный шрифт")
    assert toggle.get_attribute("aria-pressed") == "false"
    toggle.click()
    assert "kiosk-large" in page.get_attribute("body", "class")
    page.reload()  # kept by the server for the following pages: no flash of small type
    assert "kiosk-large" in page.get_attribute("body", "class")
    assert toggle.get_attribute("aria-pressed") == "true"
    controls = page.evaluate(MEASURE)
    touch = [c for c in controls if c["tag"] in ("BUTTON", "A", "INPUT")]
    assert len(touch) >= 15  # purposes, out-of-turn, keypad, toggle
    small = [c for c in touch if c["w"] < 15 or c["h"] < 15]
    assert small == [], small
    faint = [c for c in controls if c["ratio"] < 7]
    assert faint == [], faint
    # The ticket page keeps the mode; switched off, the kiosk is as before.
    page.get_by_role("button", name=re.compile("Подать документы")).click()
    page.wait_for_url(re.compile(r"/kiosk/tickets/\d+$"))
    assert "kiosk-large" in page.get_attribute("body", "class")
    assert [c for c in page.evaluate(MEASURE) if c["ratio"] < 7] == []
    page.goto("/kiosk")
    page.get_by_role("button", name="Крупный шрифт").click()
    page.reload()
    assert "kiosk-large" not in (page.get_attribute("body", "class") or "")


SWAP_COUNTER = """
window.__swaps = 0;
window.__paused = false;
document.addEventListener("htmx:afterSwap", function () { window.__swaps += 1; });
window.__inflight = 0;
document.addEventListener("htmx:beforeRequest", function (ev) {
  if (window.__paused) ev.preventDefault();
});
document.addEventListener("htmx:beforeSend", function () { window.__inflight += 1; });
document.addEventListener("htmx:afterRequest", function () { window.__inflight -= 1; });
"""


def _wait_for_swaps(board, count: int, timeout: float):
    deadline = time.monotonic() + timeout
    while board.evaluate("window.__swaps") < count:
        assert time.monotonic() < deadline, f"only {board.evaluate('window.__swaps')} polls"
        board.wait_for_timeout(200)


def _footprint(board, cdp) -> dict:
    """DOM nodes, listeners and JS heap with the board at rest (polls held back meanwhile,
    so no request or swap is half-way), after a full garbage collection."""
    board.evaluate("window.__paused = true")
    # The last request ends (a loaded machine may take seconds), then its swap settles.
    deadline = time.monotonic() + 30
    while board.evaluate("window.__inflight") > 0:  # (no string eval under our CSP)
        assert time.monotonic() < deadline, "a board request never ended"
        board.wait_for_timeout(100)
    board.wait_for_timeout(300)
    cdp.send("HeapProfiler.collectGarbage")
    counters = cdp.send("Memory.getDOMCounters")
    figures = {"nodes": counters["nodes"], "listeners": counters["jsEventListeners"],
               "heap": cdp.send("Runtime.getHeapUsage")["usedSize"]}
    board.evaluate("window.__paused = false")
    return figures


def test_board_stamina_2000_polls(page, users, session, app, monkeypatch):
    """Days on the wall without a reload: DOM nodes, listeners and JS heap stay flat."""
    monkeypatch.setitem(app.config, "QUEUE_BOARD_POLL_MS", 20)  # 1 s in the hall
    _tickets(session, "А", "Б", "В", "А")
    desks = {d.number: d for d in session.scalars(select(Desk))}
    for number in (1, 2, 3):
        services.call_next_ticket(session, desk=desks[number], user_id=users["specialist"].id
                                  if number == 1 else users["chief"].id if number == 2
                                  else users["admin"].id, now=clock.now())
    session.commit()
    board = page.context.new_page()
    board.add_init_script(SOUND_SPY + SWAP_COUNTER)
    board.goto("/board")
    board.get_by_role("button", name="Включить звук").click()
    cdp = page.context.new_cdp_session(board)
    cdp.send("HeapProfiler.enable")
    _wait_for_swaps(board, 200, timeout=60)
    before = _footprint(board, cdp)
    _wait_for_swaps(board, 2200, timeout=240)  # 2,000 polls after the first measure
    after = _footprint(board, cdp)
    assert board.locator(".board-row").count() == 3
    assert after["nodes"] <= before["nodes"] + 10, (before, after)
    assert after["listeners"] <= before["listeners"] + 2, (before, after)
    assert after["heap"] <= before["heap"] * 1.10 + 256 * 1024, (before, after)
    # Nothing new was called: nothing was announced while polling.
    assert [s[0] for s in sounds(board)] == ["chime"]
    print(f"board stamina: {before} → {after}")


def test_rating_score_buttons_are_even_on_a_phone(page, users, session):
    services.seed_queue(session)
    desk = session.scalar(select(Desk).where(Desk.number == 1))
    device = feedback_services.issue_device(session, name="Планшет", desk_id=desk.id,
                                            user_id=users["chief"].id, now=clock.now())
    session.commit()
    page.set_viewport_size({"width": 375, "height": 740})
    page.goto(f"/feedback/tablet/activate/{device.token}")
    page.wait_for_url(re.compile(r"/feedback/tablet$"))
    boxes = [b.bounding_box() for b in page.locator(".feedback-scores .score").all()]
    assert len(boxes) == 5
    assert len({round(b["width"]) for b in boxes}) == 1
    assert len({round(b["height"]) for b in boxes}) == 1
    assert all(b["x"] >= 0 and b["x"] + b["width"] <= 375 for b in boxes)
