"""Kiosk → desk → board → finish through the Flask test client; the ticket PDF."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from onewindow.core import clock
from onewindow.prints.models import PrintedDocument
from onewindow.queue import services
from onewindow.queue.models import Booking, Desk, Kiosk, Ticket, VisitPurpose

from ..conftest import login
from ..factories import make_applicant
from ..pdfcheck import pdf_text

HX = {"HX-Request": "true"}


@pytest.fixture
def kiosk_client(app, session, users):
    """A client bound to a kiosk through its activation URL."""
    services.seed_queue(session)
    kiosk = services.issue_kiosk(session, name="Терминал в холле", user_id=users["admin"].id,
                                 now=clock.now())
    session.commit()
    client = app.test_client()
    r = client.get(f"/kiosk/activate/{kiosk.token}")
    assert r.status_code == 303 and r.headers["Location"].endswith("/kiosk")
    return client


def _purpose(session, letter):
    return session.scalar(select(VisitPurpose).where(VisitPurpose.letter == letter))


def test_kiosk_needs_activation(client, session):
    services.seed_queue(session)
    session.commit()
    r = client.get("/kiosk")
    assert r.status_code == 400
    assert "Терминал не активирован" in r.get_data(as_text=True)
    assert client.get("/kiosk/activate/wrong-token").status_code == 404
    assert client.post("/kiosk/tickets", data={"purpose_id": 1}).status_code == 400
    assert session.scalar(select(Ticket)) is None


def test_kiosk_renews_its_device_cookie_on_use(kiosk_client, session):
    """Chromium stores a cookie for 400 days at most: each use pushes the expiry on."""
    token = session.scalar(select(Kiosk)).token
    for response in (kiosk_client.get("/kiosk"),
                     kiosk_client.post("/kiosk/tickets", data={"purpose_id": 0})):
        cookie = response.headers.get("Set-Cookie", "")
        assert cookie.startswith(f"onewindow_kiosk={token};"), response.status_code
        assert "Max-Age=34560000" in cookie and "HttpOnly" in cookie
    session.execute(update(Kiosk).values(revoked_at=clock.now()))
    session.commit()
    refused = kiosk_client.get("/kiosk")
    assert refused.status_code == 400 and "Set-Cookie" not in refused.headers


def test_favicon_everywhere(client, kiosk_client):
    icon = client.get("/favicon.ico")
    assert icon.status_code == 200 and icon.mimetype == "image/vnd.microsoft.icon"
    assert icon.data[:4] == b"\x00\x00\x01\x00"
    for page in (client.get("/board"), kiosk_client.get("/kiosk")):
        assert 'rel="icon"' in page.get_data(as_text=True)


def test_kiosk_desk_board_finish(kiosk_client, client, session, users):
    page = kiosk_client.get("/kiosk").get_data(as_text=True)
    assert "Подать документы" in page and "Право на внеочередное" in page
    assert "сейчас нет открытых окон" in page  # nobody sits at a window yet
    a = _purpose(session, "А")
    r = kiosk_client.post("/kiosk/tickets", data={"purpose_id": a.id})
    assert r.status_code == 303
    ticket_url = r.headers["Location"]
    shown = kiosk_client.get(ticket_url).get_data(as_text=True)
    assert "А-001" in shown and "Перед вами: 0" in shown
    second = kiosk_client.post("/kiosk/tickets", data={"purpose_id": a.id})
    pdf = kiosk_client.get(second.headers["Location"] + ".pdf")
    assert pdf.mimetype == "application/pdf"
    text = pdf_text(pdf.data)
    assert "А-002" in text and "Подать документы" in text
    assert "Перед вами: 1 человек" in text
    assert "нет открытых окон" in " ".join(text.split())  # nobody sits at a window yet
    narrow = kiosk_client.get(second.headers["Location"] + ".pdf?width=58")
    assert "А-002" in pdf_text(narrow.data)
    assert narrow.data != pdf.data
    direct = kiosk_client.post("/kiosk/tickets", data={"purpose_id": a.id, "format": "pdf",
                                                       "out_of_turn": "1"})
    assert direct.mimetype == "application/pdf"
    assert "Внеочередное обслуживание" in pdf_text(direct.data)
    bad = kiosk_client.post("/kiosk/tickets", data={"purpose_id": 999})
    assert bad.status_code == 422 and "Выберите цель визита" in bad.get_data(as_text=True)

    # The desk: choose window 2, call next → the out-of-turn ticket А-003 first.
    login(client, users["specialist"])
    assert "За каким окном" in client.get("/queue/desk").get_data(as_text=True)
    desk = session.scalar(select(Desk).where(Desk.number == 2))
    assert client.post("/queue/desk/select", data={"desk_id": desk.id}).status_code == 303
    r = client.post("/queue/desk/next")
    assert r.status_code == 303
    desk_page = client.get("/queue/desk").get_data(as_text=True)
    assert 'id="current-number">А-003<' in desk_page
    busy = client.post("/queue/desk/next")
    assert busy.status_code == 409 and "Сначала завершите талон А-003" in busy.get_data(
        as_text=True)

    # The board (no login): А-003 at window 2, newest.
    board = client.get("/board/calls", headers=HX).get_data(as_text=True)
    assert "<html" not in board
    assert re.search(r'board-row newest[^"]*" data-number="А-003"', board)
    assert ">2</span>" in board
    full = client.get("/board").get_data(as_text=True)
    assert 'hx-trigger="every 1000ms"' in full and "А-003" in full

    t3 = session.scalar(select(Ticket).where(Ticket.number == "А-003"))
    for verb in ("recall", "start", "finish"):
        assert client.post(f"/queue/desk/tickets/{t3.id}/{verb}").status_code == 303
    session.expire_all()
    t3 = session.get(Ticket, t3.id)
    assert t3.status == "finished" and t3.call_count == 2 and t3.specialist_id == users[
        "specialist"].id
    assert t3.kiosk_id is not None
    # Next is А-001; the visitor does not come.
    client.post("/queue/desk/next")
    t1 = session.scalar(select(Ticket).where(Ticket.number == "А-001"))
    assert client.post(f"/queue/desk/tickets/{t1.id}/no-show").status_code == 303
    client.post("/queue/desk/next")
    t2 = session.scalar(select(Ticket).where(Ticket.number == "А-002"))
    other = session.scalar(select(Desk).where(Desk.number == 3))
    r = client.post(f"/queue/desk/tickets/{t2.id}/redirect", data={"to": f"desk:{other.id}"})
    assert r.status_code == 303
    r = client.post(f"/queue/desk/tickets/{t2.id}/redirect", data={"to": ""})
    assert r.status_code == 409  # no longer at this desk
    session.expire_all()
    assert session.get(Ticket, t2.id).target_desk_id == other.id


def test_booking_code_at_kiosk(kiosk_client, client, session, users):
    login(client, users["specialist"])
    a = _purpose(session, "В")
    tomorrow = clock.today() + timedelta(days=1)
    r = client.post("/queue/bookings/slots", data={
        "purpose_id": a.id, "day": tomorrow.strftime("%d.%m.%Y"), "start": "09:00",
        "end": "10:00", "interval_minutes": "30", "capacity": "2"})
    assert r.status_code == 303, r.get_data(as_text=True)
    bad = client.post("/queue/bookings/slots", data={
        "purpose_id": a.id, "day": tomorrow.strftime("%d.%m.%Y"), "start": "9 утра",
        "end": "10:00", "interval_minutes": "30", "capacity": "2"})
    assert bad.status_code == 422 and "чч:мм" in bad.get_data(as_text=True)
    page = client.get(f"/queue/bookings?day={tomorrow:%d.%m.%Y}").get_data(as_text=True)
    slot_id = int(re.search(r'name="slot_id" value="(\d+)"', page).group(1))
    applicant = make_applicant(session)
    session.commit()
    missing = client.post("/queue/bookings", data={"slot_id": slot_id, "citizen_name": "Петров"})
    assert missing.status_code == 422 and "Укажите телефон" in missing.get_data(as_text=True)
    r = client.post("/queue/bookings", data={"slot_id": slot_id, "applicant_id": applicant.id})
    assert r.status_code == 303
    booking = session.scalar(select(Booking))
    shown = client.get(r.headers["Location"]).get_data(as_text=True)
    assert booking.code in shown and applicant.short_name in shown
    cancelled = client.post(f"/queue/bookings/{booking.id}/cancel",
                            data={"reason": "Перенос"})
    assert cancelled.status_code == 303
    again = client.post(f"/queue/bookings/{booking.id}/cancel", data={"reason": "Ещё раз"})
    assert again.status_code == 422
    # A cancelled booking's page has no cancel form: the refusal is said on top.
    assert 'role="alert"><b>Не выполнено:</b>' in again.get_data(as_text=True)
    session.expire_all()
    assert session.get(Booking, booking.id).cancel_reason == "Перенос"
    booking.status, booking.cancelled_at, booking.cancel_reason = "booked", None, None
    session.commit()
    # Today the code is not valid (the booking is for tomorrow).
    wrong = kiosk_client.post("/kiosk/booking", data={"code": booking.code})
    assert wrong.status_code == 422 and "не найдена" in wrong.get_data(as_text=True)
    # Move it to today to use it at the kiosk.
    booking.day = booking.slot.day = clock.today()
    session.commit()
    r = kiosk_client.post("/kiosk/booking", data={"code": booking.code})
    assert r.status_code == 303
    ticket = session.scalar(select(Ticket).where(Ticket.booking_id == booking.id))
    assert ticket.priority == "booked" and ticket.applicant_id == applicant.id
    text = pdf_text(kiosk_client.get(r.headers["Location"] + ".pdf").data)
    assert "Запись на 09:00" in text
    assert applicant.surname not in text and "Запись" in text


def test_live_panel_and_access(client, session, users):
    services.seed_queue(session)
    t = services.issue_ticket(session, purpose_id=_purpose(session, "Б").id,
                              now=clock.now() - timedelta(minutes=30))
    t.day = clock.today()  # today's queue even when the test runs just after midnight
    session.commit()
    assert client.get("/board").status_code == 200  # public
    assert client.get("/queue/panel").status_code == 302  # login first
    login(client, users["specialist"])
    assert client.get("/queue/panel").status_code == 403
    assert client.get("/queue/settings").status_code == 403
    client.post("/logout")
    login(client, users["chief"])
    r = client.get("/queue/panel", headers=HX)
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and "<html" not in html
    assert 'id="stat-waiting">1<' in html
    assert f'<tr class="over"><td>{t.number}</td>' in html
    full = client.get("/queue/panel").get_data(as_text=True)
    assert 'hx-trigger="every 5s"' in full and "Очередь</a>" in full


def test_settings(client, session, users):
    services.seed_queue(session)
    session.commit()
    login(client, users["chief"])
    r = client.post("/queue/settings/purposes", data={
        "letter": "Г", "name": "Субсидии ЖКУ", "position": "4", "wait_standard_minutes": "20",
        "booked_wait_standard_minutes": "5", "service_standard_minutes": "25", "active": "y"})
    assert r.status_code == 303
    dup = client.post("/queue/settings/purposes", data={
        "letter": "А", "name": "Дубль", "wait_standard_minutes": "20",
        "booked_wait_standard_minutes": "5", "service_standard_minutes": "25"})
    assert dup.status_code == 422 and "уже занята" in dup.get_data(as_text=True)
    g = _purpose(session, "Г")
    assert g.wait_standard_minutes == 20
    r = client.post("/queue/settings/desks", data={"number": "7", "name": "Субсидии",
                                                  "purpose_ids": [g.id], "active": "y"})
    assert r.status_code == 303
    assert session.scalar(select(Desk).where(Desk.number == 7)).purposes == [g]
    taken = client.post("/queue/settings/desks", data={"number": "7", "name": "Дубль",
                                                      "purpose_ids": [g.id], "active": "y"})
    assert taken.status_code == 422
    assert re.search(r'id="number-error">Окно 7 уже есть', taken.get_data(as_text=True))
    assert session.scalar(select(func.count(Desk.id)).where(Desk.number == 7)) == 1
    r = client.post("/queue/settings/kiosks", data={"name": "Терминал 2"})
    assert r.status_code == 303
    kiosk = session.scalar(select(Kiosk))
    page = client.get("/queue/settings").get_data(as_text=True)
    assert f"/kiosk/activate/{kiosk.token}" in page
    client.post(f"/queue/settings/kiosks/{kiosk.id}/revoke")
    assert client.get(f"/kiosk/activate/{kiosk.token}").status_code == 404


def test_desk_links_application_and_shows_line(client, session, users):
    from ..factories import make_application

    services.seed_queue(session)
    a = _purpose(session, "А")
    for _ in range(3):
        services.issue_ticket(session, purpose_id=a.id, now=clock.now())
    application = make_application(session, user=users["chief"])
    session.commit()
    login(client, users["specialist"])
    desk = session.scalar(select(Desk).where(Desk.number == 1))
    client.post("/queue/desk/select", data={"desk_id": desk.id})
    line = client.get("/queue/desk/line", headers=HX).get_data(as_text=True)
    assert "Ожидают: 3" in line and "<html" not in line
    client.post("/queue/desk/next")
    t = session.scalar(select(Ticket).where(Ticket.status == "called"))
    bad = client.post(f"/queue/desk/tickets/{t.id}/link", data={"number": "2026-999999"})
    assert bad.status_code == 422 and "не найдено" in bad.get_data(as_text=True)
    r = client.post(f"/queue/desk/tickets/{t.id}/link", data={"number": application.number})
    assert r.status_code == 303
    page = client.get("/queue/desk").get_data(as_text=True)
    assert application.number in page and application.applicant.short_name in page
    assert client.post(f"/queue/desk/tickets/{t.id}/bogus").status_code == 404
    released = client.post("/queue/desk/release")
    assert released.status_code == 409  # a ticket is still at the desk


def test_ticket_pdf_has_a_feedback_qr_code(kiosk_client, session):
    from ..pdfcheck import decode_barcodes, require_tool

    purpose = session.scalars(select(VisitPurpose).order_by(VisitPurpose.position)).first()
    r = kiosk_client.post("/kiosk/tickets", data={"purpose_id": purpose.id})
    pdf = kiosk_client.get(r.headers["Location"] + ".pdf")
    assert pdf.status_code == 200
    require_tool("zbarimg")
    decoded = decode_barcodes(pdf.data, dpi=300, symbologies=("qrcode",))
    assert len(decoded) == 1 and "/r/" in decoded[0]
    assert "Оцените качество обслуживания" in pdf_text(pdf.data)
    # Journalled for a re-print from the desk (no user at a kiosk), not an audited access.
    from ..journal import audited, printed

    ticket_id = r.headers["Location"].rsplit("/", 1)[-1]
    assert printed(session) == [("ticket", "ticket", ticket_id, None)]
    assert pdf.headers["X-Print-Id"] and audited(session, "print") == []


def test_ticket_print_document(kiosk_client, session):
    c = _purpose(session, "В")
    r = kiosk_client.post("/kiosk/tickets", data={"purpose_id": c.id})
    ticket_url = r.headers["Location"]
    shown = kiosk_client.get(ticket_url).get_data(as_text=True)
    assert f'src="{ticket_url}/print"' in shown and "data-print-frame" in shown
    assert ".pdf" not in shown  # no viewer tab any more
    doc = kiosk_client.get(ticket_url + "/print")
    assert doc.status_code == 200 and doc.mimetype == "text/html"
    html = doc.get_data(as_text=True)
    assert 'id="print-number">В-001<' in html and "Консультация" in html
    assert "data:image/svg+xml" in html  # the rating QR code
    assert doc.headers["X-Frame-Options"] == "SAMEORIGIN"
    assert "frame-ancestors 'self'" in doc.headers["Content-Security-Policy"]
    ticket_id = int(ticket_url.rsplit("/", 1)[1])
    printed = session.scalars(select(PrintedDocument)).all()
    assert [(d.kind, d.object_id, d.url) for d in printed] == [
        ("ticket", str(ticket_id), f"/kiosk/tickets/{ticket_id}.pdf")]
    assert "В-001" in pdf_text(printed[0].content)
    narrow = kiosk_client.get(ticket_url + "/print?width=58").get_data(as_text=True)
    assert "width-58" in narrow


def test_unchanged_board_answers_304_and_a_call_changes_its_etag(client, session, users):
    """Every hall board polls each second: an unchanged board costs a 304 with no body."""
    services.seed_queue(session)
    purpose = _purpose(session, "А")
    desk = session.scalar(select(Desk).where(Desk.number == 1))
    for _ in range(2):
        services.issue_ticket(session, purpose_id=purpose.id, now=clock.now())
    services.call_next_ticket(session, desk=desk, user_id=users["specialist"].id,
                              now=clock.now())
    session.commit()

    first = client.get("/board/calls", headers=HX)
    assert first.status_code == 200 and 'data-number="А-001"' in first.get_data(as_text=True)
    etag = first.headers["ETag"]
    assert etag and first.headers["Cache-Control"] == "no-cache"  # kept, but asked each time
    same = client.get("/board/calls", headers={**HX, "If-None-Match": etag})
    assert same.status_code == 304 and same.data == b"" and same.headers["ETag"] == etag
    stale = client.get("/board/calls", headers={**HX, "If-None-Match": '"something-else"'})
    assert stale.status_code == 200 and stale.headers["ETag"] == etag

    services.finish(session, ticket_id=session.scalar(
        select(Ticket.id).where(Ticket.number == "А-001")), desk=desk,
        user_id=users["specialist"].id, now=clock.now())
    services.call_next_ticket(session, desk=desk, user_id=users["specialist"].id,
                              now=clock.now())
    session.commit()
    moved = client.get("/board/calls", headers={**HX, "If-None-Match": etag})
    assert moved.status_code == 200 and moved.headers["ETag"] != etag
    assert re.search(r'board-row newest[^"]*" data-number="А-002"', moved.get_data(as_text=True))
