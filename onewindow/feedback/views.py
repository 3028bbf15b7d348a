"""Visitor feedback: the desk tablet and the QR page (public), tablets and complaints (staff)."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, request, url_for
from flask_login import current_user

from ..auth.roles import CHIEF, DIRECTOR
from ..core import clock
from ..errors import Conflict, DomainError, NotFound
from ..extensions import db
from ..queue.queries import all_desks
from ..web import allow, bind_device, form_action, public, redirect_to, render, renew_device
from . import queries, services
from .models import SCORE_NAMES, FeedbackDevice, Rating

bp = Blueprint("feedback", __name__)

TABLET_COOKIE = "onewindow_feedback_tablet"



def _secret() -> str:
    return current_app.config["SECRET_KEY"]


# --- the QR page (public, one rating per token, no personal data) ------------------------

def _rate_page(token: str, *, error=None, status=200, done=False, used=False):
    return render("feedback/rate.html", token=token, scores=SCORE_NAMES, error=error,
                  done=done, used=used,
                  action=url_for("feedback.submit", token=token)), status


@bp.get("/r/<token>")
@public
def rate(token: str):
    target = services.read_token(_secret(), token)
    return _rate_page(token, used=services.token_used(db.session, target))


@bp.post("/r/<token>")
@public
def submit(token: str):
    target = services.read_token(_secret(), token)
    with form_action() as outcome:
        services.rate_by_token(db.session, target=target, score=request.form.get("score"),
                               comment=request.form.get("comment"), now=clock.now())
    if isinstance(outcome.error, Conflict):  # used before, or by a second tap meanwhile
        return _rate_page(token, used=True, status=409)
    if not outcome.ok:
        return _rate_page(token, error=outcome.message, status=outcome.error.status_code)
    return _rate_page(token, done=True)


# --- the desk tablet (public; bound by its token) ----------------------------------------

@bp.get("/feedback/tablet/activate/<token>")
@public
def tablet_activate(token: str):
    device = services.device_by_token(db.session, token)
    if device is None:
        raise NotFound("Ключ планшета не найден или отозван")
    response = redirect_to(url_for("feedback.tablet"))
    return bind_device(response, TABLET_COOKIE, token)


def _device() -> FeedbackDevice:
    device = services.device_by_token(db.session, request.cookies.get(TABLET_COOKIE))
    if device is None:
        raise DomainError("Планшет не активирован. Ссылку активации выдаёт главный специалист "
                          "в разделе «Отчёты → Планшеты оценки качества».")
    renew_device(TABLET_COOKIE, device.token)
    return device


def _tablet_page(device, *, error=None, done=False, status=200):
    return render("feedback/tablet.html", device=device, scores=SCORE_NAMES, error=error,
                  done=done, action=url_for("feedback.tablet_rate")), status


@bp.get("/feedback/tablet")
@public
def tablet():
    return _tablet_page(_device(), done=request.args.get("done") == "1")


@bp.post("/feedback/tablet")
@public
def tablet_rate():
    device = _device()
    with form_action() as outcome:
        services.rate_at_desk(db.session, device=device, score=request.form.get("score"),
                              comment=request.form.get("comment"), now=clock.now())
    if not outcome.ok:
        return _tablet_page(device, error=outcome.message, status=outcome.error.status_code)
    return redirect_to(url_for("feedback.tablet", done=1))


# --- staff: tablets and complaints -------------------------------------------------------

def _devices_page(*, error=None, status=200, issued=None):
    return render("feedback/devices.html", devices=queries.devices(db.session),
                  desks=all_desks(db.session, only_active=True), error=error,
                  issued=issued), status


@bp.get("/feedback/devices")
@allow(CHIEF)
def devices():
    issued = db.session.get(FeedbackDevice, request.args.get("issued", type=int) or 0)
    return _devices_page(issued=issued)


@bp.post("/feedback/devices")
@allow(CHIEF)
def create_device():
    with form_action() as outcome:
        device = services.issue_device(db.session, name=request.form.get("name", ""),
                                       desk_id=request.form.get("desk_id", type=int),
                                       user_id=current_user.id, now=clock.now())
    if not outcome.ok:
        return _devices_page(error=outcome.message, status=outcome.error.status_code)
    return redirect_to(url_for("feedback.devices", issued=device.id))


@bp.post("/feedback/devices/<int:device_id>/revoke")
@allow(CHIEF)
def revoke_device(device_id: int):
    device = db.session.get(FeedbackDevice, device_id)
    if device is None:
        raise NotFound("Планшет не найден")
    services.revoke_device(db.session, device, now=clock.now())
    flash(f"Планшет «{device.name}» отключён")
    return redirect_to(url_for("feedback.devices"))


def _complaints_page(*, error=None, error_id=None, status=200):
    return render("feedback/complaints.html",
                  open_items=queries.complaints(db.session, reviewed=False),
                  open_total=queries.open_complaints_count(db.session),
                  reviewed=queries.complaints(db.session, reviewed=True, limit=50),
                  error=error, error_id=error_id), status


@bp.get("/feedback/complaints")
@allow(CHIEF, DIRECTOR)
def complaints():
    return _complaints_page()


@bp.post("/feedback/complaints/<int:rating_id>/review")
@allow(CHIEF)
def review(rating_id: int):
    rating = db.session.get(Rating, rating_id)
    if rating is None:
        raise NotFound("Оценка не найдена")
    with form_action() as outcome:
        services.review_complaint(db.session, rating=rating, user_id=current_user.id,
                                  note=request.form.get("note", ""), now=clock.now())
    if not outcome.ok:
        return _complaints_page(error=outcome.message, error_id=rating_id,
                                status=outcome.error.status_code)
    flash("Жалоба отмечена как рассмотренная")
    return redirect_to(url_for("feedback.complaints"))
