"""Request-side security: the clock, session lifetimes, login throttling, audit helpers.

This module reads ``request``/``current_user`` so that views stay one-liners; the audit
service itself (audit.py) knows nothing of HTTP.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta

from flask import current_app, request, session
from flask_login import current_user

from ..auth.services import normalize_username
from ..core import clock
from ..extensions import db
from . import audit
from .matrix import FULL_PD_ROLES

SEEN_KEY = "_seen"
STARTED_KEY = "_started"
# Sent by polling elements (hx-headers='{"X-Background": "1"}'): keeps no session alive.
BACKGROUND_HEADER = "X-Background"
# Seconds between two updates of the "last seen" mark (the idle limit may end up to this
# much early; the cookie is re-issued only when the session changes, see config).
SEEN_RESOLUTION = 60

EXPIRED_IDLE = "Сеанс завершён: вы не работали с системой дольше {minutes} мин. Войдите снова."
EXPIRED_ABSOLUTE = "Сеанс завершён: истёк предельный срок сеанса ({hours} ч). Войдите снова."
THROTTLED = ("Слишком много неудачных попыток входа. Вход временно заблокирован — "
             "повторите через {minutes} мин. или обратитесь к администратору.")


def timestamp() -> float:
    return time.mktime(clock.now().timetuple())


def start_session() -> None:
    stamp = timestamp()
    session[SEEN_KEY] = stamp
    session[STARTED_KEY] = stamp
    session.permanent = True


def last_seen() -> datetime | None:
    """When the user last did something in this session (polling aside)."""
    seen = session.get(SEEN_KEY)
    return datetime.fromtimestamp(seen) if seen is not None else None


def expiry_message() -> str | None:
    """Why the logged-in session is over, or None (and then mark it as seen now)."""
    config = current_app.config
    stamp = timestamp()
    idle = config["SESSION_IDLE_MINUTES"] * 60
    absolute = config["SESSION_MAX_HOURS"] * 3600
    seen = session.get(SEEN_KEY)
    started = session.get(STARTED_KEY)
    if started is None or stamp - started > absolute:
        return EXPIRED_ABSOLUTE.format(hours=config["SESSION_MAX_HOURS"])
    if seen is None or stamp - seen > idle:
        return EXPIRED_IDLE.format(minutes=config["SESSION_IDLE_MINUTES"])
    # Polling (board, desk line) is not the user's activity. Marked at most once a
    # minute: an unchanged session is not re-signed and re-sent on every request.
    if request.headers.get(BACKGROUND_HEADER) != "1" and stamp - seen >= SEEN_RESOLUTION:
        session[SEEN_KEY] = stamp
    return None


def remote_addr() -> str | None:
    return request.remote_addr


def throttled(username: str) -> bool:
    """Too many failed logins for this account or from this address lately."""
    config = current_app.config
    since = clock.now() - timedelta(minutes=config["LOGIN_THROTTLE_MINUTES"])
    name = normalize_username(username)
    per_account = audit.failed_logins(db.session, since=since, username=name)
    if per_account >= config["LOGIN_MAX_FAILURES_ACCOUNT"]:
        return True
    per_address = audit.failed_logins(db.session, since=since, remote_addr=remote_addr())
    return per_address >= config["LOGIN_MAX_FAILURES_ADDRESS"]


def throttle_message() -> str:
    return THROTTLED.format(minutes=current_app.config["LOGIN_THROTTLE_MINUTES"])


def _actor(user):
    if user is not None:
        return user
    return current_user if current_user.is_authenticated else None


def audit_change(action: str, *, object_type: str | None = None, object_id=None,
                 result: str = "ok", details: str | None = None, user=None,
                 username: str | None = None):
    """Record an event in the request's own transaction (commit it with the change)."""
    return audit.record(
        db.session, action=action, now=clock.now(), user=_actor(user), username=username,
        remote_addr=remote_addr(), object_type=object_type, object_id=object_id,
        result=result, details=details,
    )


def sees_full_pd() -> bool:
    """Whether the current user may see СНИЛС and document numbers in full (on cards)."""
    return current_user.is_authenticated and current_user.role in FULL_PD_ROLES
