"""Staff accounts: creation, authentication, sessions."""

from __future__ import annotations

import unicodedata
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import Conflict, InvalidInput
from .models import User
from .passwords import check_password_policy
from .roles import ROLES

USERNAME_MAX = 64


def normalize_username(raw: str | None) -> str:
    """The one form of a login name for authentication, audit and throttling.

    Unicode NFKC (full-width letters become plain), format characters (zero-width,
    bidi controls) dropped, trimmed, lower-cased, at most USERNAME_MAX characters: every
    spelling that reaches one account is counted as that account.
    """
    text = unicodedata.normalize("NFKC", raw or "")
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Cf")
    return text.strip().lower()[:USERNAME_MAX]


def create_user(
    session: Session,
    *,
    username: str,
    full_name: str,
    role: str,
    password: str,
    position: str | None = None,
    demo: bool = False,
) -> User:
    username = normalize_username(username)
    if role not in ROLES:
        raise InvalidInput("Неизвестная роль: " + role, field="role")
    if not username:
        raise InvalidInput("Укажите имя пользователя", field="username")
    if session.scalar(select(User).where(User.username == username)):
        raise Conflict("Пользователь с таким именем уже есть", field="username")
    check_password_policy(password, username=username, demo=demo)
    user = User(username=username, full_name=full_name.strip(), role=role, position=position)
    user.set_password(password)
    session.add(user)
    session.flush()
    return user


def authenticate(session: Session, *, username: str, password: str, now: datetime) -> User | None:
    user = session.scalar(select(User).where(User.username == normalize_username(username)))
    if user is None or not user.active or not user.check_password(password):
        return None
    user.previous_login_at = user.last_login_at
    user.last_login_at = now
    return user


def end_all_sessions(user: User) -> None:
    """Invalidate every session cookie the user holds."""
    user.session_version += 1


def load_user(session: Session, user_id: str) -> User | None:
    try:
        raw_id, raw_version = user_id.split(":", 1)
        uid, version = int(raw_id), int(raw_version)
    except ValueError:
        return None
    user = session.get(User, uid)
    if user is None or user.session_version != version or not user.active:
        return None
    return user


def change_password(session: Session, user: User, *, current: str, new: str) -> None:
    """Check the current password and the policy, set the new one, end other sessions."""
    if not user.check_password(current):
        raise InvalidInput("Текущий пароль указан неверно", field="current")
    if current == new:
        raise InvalidInput("Новый пароль совпадает с текущим", field="password")
    check_password_policy(new, username=user.username)
    user.set_password(new)
    end_all_sessions(user)
    session.flush()
