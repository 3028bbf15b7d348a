"""Visitor feedback: one-time QR tokens, the desk tablet, complaints, the ratings report."""

from __future__ import annotations

import io
from datetime import datetime

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from onewindow.core import clock, rating_tokens
from onewindow.errors import Conflict, InvalidInput, NotFound
from onewindow.feedback import services
from onewindow.feedback.models import FeedbackDevice, Rating
from onewindow.printing.qr import qr_svg, qr_tag
from onewindow.web import rating_url

from ..conftest import login
from ..factories import make_application
from ..pdfcheck import decode_barcodes, require_tool
from ..reports.data import MONDAY, make_queue_data

SECRET = "test-secret-key"


def _count(session) -> int:
    return session.scalar(select(func.count()).select_from(Rating))


def test_token_is_signed_and_single_use(session, users):
    application = make_application(session, user=users["specialist"])
    token = rating_tokens.make_token(SECRET, kind="a", object_id=application.id)
    target = services.read_token(SECRET, token)
    with pytest.raises(NotFound):
        services.read_token("another-secret", token)
    with pytest.raises(NotFound):
        services.read_token(SECRET, token[:-2] + "xx")
    with pytest.raises(InvalidInput):
        services.rate_by_token(session, target=target, score=7, comment="", now=clock.now())
    rating = services.rate_by_token(session, target=target, score=2, comment=" грубили ",
                                    now=datetime(2026, 11, 27, 12))
    assert rating.complaint and rating.comment == "грубили"
    assert rating.specialist_id == users["specialist"].id
    assert rating.service_id == application.service_id
    with pytest.raises(Conflict):
        services.rate_by_token(session, target=target, score=5, comment="", now=clock.now())
    assert _count(session) == 1


def test_public_qr_page_no_personal_data_and_one_use(app, client, users, session):
    application = make_application(session, user=users["specialist"])
    surname = application.applicant.surname
    session.commit()
    with app.test_request_context():
        url = rating_url(application=application)
    path = url.split("localhost", 1)[-1]
    page = client.get(path)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Оцените" in html and surname not in html and application.number not in html
    assert client.post(path, data={"score": "9"}).status_code == 422
    assert client.post(path, data={"score": "5", "comment": "Спасибо"}).status_code == 200
    again = client.post(path, data={"score": "1", "comment": "ещё раз"})
    assert again.status_code == 409 and "уже получена" in again.get_data(as_text=True)
    assert "уже получена" in client.get(path).get_data(as_text=True)
    assert client.get("/r/not-a-token").status_code == 404
    assert _count(session) == 1


def test_tablet_binds_to_desk_and_visit(app, client, users, session):
    _purpose, desks = make_queue_data(session, specialist_a=users["specialist"],
                                      specialist_b=users["chief"])
    device = services.issue_device(session, name="Планшет 1", desk_id=desks[1].id,
                                   user_id=users["chief"].id, now=datetime(2026, 11, 1))
    token, desk_id = device.token, desks[1].id
    session.commit()
    assert client.get("/feedback/tablet").status_code == 400  # not activated
    assert client.get(f"/feedback/tablet/activate/{token}").status_code == 303
    shown = client.get("/feedback/tablet")
    assert "Оцените работу окна 1" in shown.get_data(as_text=True)
    # Every use renews the device cookie (Chromium keeps a cookie 400 days at most).
    renewed = shown.headers.get("Set-Cookie", "")
    assert renewed.startswith(f"onewindow_feedback_tablet={token};")
    assert "Max-Age=34560000" in renewed and "HttpOnly" in renewed
    response = client.post("/feedback/tablet", data={"score": "4"})
    assert response.status_code == 303
    rating = session.scalar(select(Rating))
    assert (rating.source, rating.desk_id, rating.score, rating.complaint) == \
        ("tablet", desk_id, 4, False)
    # The visit at desk 1 finished long before "now": the rating stays unbound to a ticket.
    assert rating.ticket_id is None
    device = session.get(FeedbackDevice, device.id)
    after_visit = datetime(MONDAY.year, MONDAY.month, MONDAY.day, 10, 50)
    bound = services.rate_at_desk(session, device=device, score=1, comment="долго",
                                  now=after_visit)
    # Ticket 5 (booked, desk 1) finished at 10:45, five minutes before.
    assert bound.ticket_id is not None and bound.specialist_id == users["specialist"].id
    assert bound.token_key == f"t:{bound.ticket_id}" and bound.complaint
    again = services.rate_at_desk(session, device=device, score=3, comment=None,
                                  now=after_visit)
    assert again.ticket_id is None  # that visit already has its rating
    session.rollback()


def test_complaint_review_and_report(client, users, session):
    _purpose, desks = make_queue_data(session, specialist_a=users["specialist"],
                                      specialist_b=users["chief"])
    application = make_application(session, user=users["specialist"],
                                   now=datetime(2026, 11, 2, 9, 30))
    for kind, object_id, score, comment in (("a", application.id, 1, "=HYPERLINK(\"x\")"),
                                           ("t", 1, 5, None), ("t", 3, 4, "хорошо")):
        services.rate_by_token(session, target=services.TokenTarget(kind, object_id),
                               score=score, comment=comment, now=datetime(2026, 11, 2, 12))
    complaint_id = session.scalar(select(Rating.id).where(Rating.complaint))
    session.commit()
    login(client, users["chief"])
    page = client.get("/feedback/complaints").get_data(as_text=True)
    assert "На рассмотрении: 1" in page and "HYPERLINK" in page
    assert client.post(f"/feedback/complaints/{complaint_id}/review",
                       data={"note": ""}).status_code == 422
    assert client.post(f"/feedback/complaints/{complaint_id}/review",
                       data={"note": "Беседа со специалистом"}).status_code == 303
    assert "На рассмотрении: 0" in client.get("/feedback/complaints").get_data(as_text=True)
    week = {"period": "week", "date": "02.11.2026"}
    html = client.get("/reports/ratings", query_string=week).get_data(as_text=True)
    assert "Оценки посетителей" in html and "3,33" in html  # (1 + 5 + 4) / 3
    book = load_workbook(io.BytesIO(client.get("/reports/ratings.xlsx",
                                               query_string=week).data))
    desks_sheet = book["По окнам"]
    rows = {r[0]: r for r in desks_sheet.iter_rows(min_row=4, values_only=True)}
    assert rows["Окно 1"][1] == 1 and rows["Окно 2"][1] == 1 and rows["Итого"][1] == 3


def test_devices_issue_and_revoke(client, users, session):
    _purpose, desks = make_queue_data(session, specialist_a=users["specialist"],
                                      specialist_b=users["chief"])
    session.commit()
    login(client, users["chief"])
    assert client.post("/feedback/devices", data={"name": "", "desk_id": desks[1].id}) \
        .status_code == 422
    created = client.post("/feedback/devices", data={"name": "Планшет", "desk_id": desks[1].id})
    assert created.status_code == 303
    page = client.get(created.headers["Location"]).get_data(as_text=True)
    assert "/feedback/tablet/activate/" in page
    device = session.scalar(select(FeedbackDevice))
    token = device.token
    assert client.post(f"/feedback/devices/{device.id}/revoke").status_code == 303
    assert client.get(f"/feedback/tablet/activate/{token}").status_code == 404


def test_qr_code_is_vector_and_decodes(app):
    url = "https://onewindow.example/r/WyJhIiwxMjNd.signature"
    assert "<path" in qr_svg(url) and "image/svg+xml" in qr_tag(url)
    from onewindow.printing.pdf import BASE_CSS, render_pdf

    pdf = render_pdf(f"<html><head><meta charset='utf-8'><style>{BASE_CSS}</style></head>"
                     f"<body><p>Оцените нас</p>{qr_tag(url, size_mm=25)}</body></html>")
    require_tool("zbarimg")
    assert url in decode_barcodes(pdf, dpi=200)


def test_token_used_once_under_concurrency(app, session, users):
    import threading

    from onewindow.extensions import db

    application = make_application(session, user=users["specialist"])
    target = services.TokenTarget("a", application.id)
    session.commit()
    session.close()
    outcomes: list[str] = []
    barrier = threading.Barrier(4)

    def worker(score):
        with app.app_context():
            barrier.wait()
            try:
                services.rate_by_token(db.session, target=target, score=score, comment=None,
                                       now=datetime(2026, 11, 27, 12))
                db.session.commit()
                outcomes.append("ok")
            except Conflict:
                db.session.rollback()
                outcomes.append("used")
            except Exception as exc:  # noqa: BLE001 - the unique key refusing the second
                db.session.rollback()
                outcomes.append(type(exc).__name__)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker, args=(s,)) for s in (1, 2, 4, 5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert outcomes.count("ok") == 1 and len(outcomes) == 4
    # The unique key's refusal is caught at the flush and answered as a used token.
    assert set(outcomes) == {"ok", "used"}
    assert _count(session) == 1


def test_refused_ratings_and_staff_actions_keep_nothing(app, client, users, session):
    _purpose, desks = make_queue_data(session, specialist_a=users["specialist"],
                                      specialist_b=users["chief"])
    device = services.issue_device(session, name="Планшет 1", desk_id=desks[1].id,
                                   user_id=users["chief"].id, now=datetime(2026, 11, 1))
    token = device.token
    session.commit()
    before = _count(session)
    client.get(f"/feedback/tablet/activate/{token}")
    long_comment = client.post("/feedback/tablet", data={"score": "2", "comment": "x" * 2001})
    assert long_comment.status_code == 422
    assert 'role="alert">Комментарий длиннее 2000 знаков<' in long_comment.get_data(as_text=True)
    session.rollback()
    assert _count(session) == before
    login(client, users["chief"])
    no_desk = client.post("/feedback/devices", data={"name": "Планшет 2", "desk_id": ""})
    assert no_desk.status_code == 422
    assert 'role="alert">Выберите окно<' in no_desk.get_data(as_text=True)
    session.rollback()
    assert session.scalar(select(func.count()).select_from(FeedbackDevice)) == 1
    complaint = services.rate_by_token(session, target=services.TokenTarget("t", 1), score=1,
                                       comment="долго", now=datetime(2026, 11, 2, 12))
    complaint_id = complaint.id
    session.commit()
    no_note = client.post(f"/feedback/complaints/{complaint_id}/review", data={"note": " "})
    assert no_note.status_code == 422
    assert 'role="alert">Опишите принятые меры<' in no_note.get_data(as_text=True)
    session.rollback()
    assert session.get(Rating, complaint_id).reviewed_at is None


def test_token_taken_between_check_and_insert(session, users, monkeypatch):
    """The unique key refuses the second rating at the flush; the transaction goes on."""
    application = make_application(session, user=users["specialist"])
    target = services.TokenTarget("a", application.id)
    first = services.rate_by_token(session, target=target, score=5, comment=None,
                                   now=datetime(2026, 11, 27, 12))
    # As if a concurrent request had inserted its rating right after this one's check.
    monkeypatch.setattr(services, "token_used", lambda _session, _target: False)
    with pytest.raises(Conflict, match="уже получена"):
        services.rate_by_token(session, target=target, score=1, comment="ещё раз",
                               now=datetime(2026, 11, 27, 12, 1))
    session.commit()  # what came before the refused insert is kept
    assert _count(session) == 1 and session.get(Rating, first.id).score == 5


def test_tablet_rating_of_a_visit_rated_meanwhile_keeps_the_first(session, users,
                                                                   monkeypatch):
    _purpose, desks = make_queue_data(session, specialist_a=users["specialist"],
                                      specialist_b=users["chief"])
    device = services.issue_device(session, name="Планшет 1", desk_id=desks[1].id,
                                   user_id=users["chief"].id, now=datetime(2026, 11, 1))
    after_visit = datetime(MONDAY.year, MONDAY.month, MONDAY.day, 10, 50)
    first = services.rate_at_desk(session, device=device, score=4, comment=None,
                                  now=after_visit)
    assert first.token_key is not None
    monkeypatch.setattr(services, "token_used", lambda _session, _target: False)
    again = services.rate_at_desk(session, device=device, score=1, comment="долго",
                                  now=after_visit)
    assert again.id == first.id and again.score == 4
    session.commit()
    assert _count(session) == 1


def test_the_complaints_heading_counts_every_open_one(client, users, session):
    """The page shows the newest 200 open complaints; its heading said 200 when there were
    more. It counts them all and says that only the newest are shown."""
    session.add_all(Rating(at=clock.now(), score=1, comment=f"Жалоба {i}", source="qr",
                           complaint=True) for i in range(205))
    session.commit()
    login(client, users["chief"])
    page = client.get("/feedback/complaints").text
    assert "На рассмотрении: 205" in page
    assert "Показаны 200 последних" in page
