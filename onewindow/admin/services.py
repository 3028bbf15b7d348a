"""An administrator's changes to staff accounts."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..auth.models import User
from ..auth.roles import ADMIN, ROLES
from ..auth.services import check_password_policy, end_all_sessions
from ..errors import Conflict, InvalidInput


def _other_active_admins(session: Session, user: User) -> int:
    return session.scalar(
        select(func.count(User.id)).where(User.role == ADMIN, User.active, User.id != user.id)
    ) or 0


def change_role(session: Session, user: User, *, role: str, acting_user_id: int) -> User:
    """Give the user another role; the last active admin cannot stop being one."""
    if role not in ROLES:
        raise InvalidInput("Неизвестная роль", field="role")
    if user.role == role:
        return user
    if user.role == ADMIN and user.id == acting_user_id:
        raise Conflict("Нельзя снять роль администратора с самого себя", field="role")
    if user.role == ADMIN and _other_active_admins(session, user) == 0:
        raise Conflict("Это последний администратор: сначала назначьте другого", field="role")
    user.role = role  # read on every request: takes effect at once
    session.flush()
    return user


def set_user_active(session: Session, user: User, *, active: bool, acting_user_id: int) -> User:
    """Disable (ending every session at once) or enable an account; accounts are never deleted."""
    if not active:
        if user.id == acting_user_id:
            raise Conflict("Нельзя отключить собственную учётную запись")
        if user.role == ADMIN and _other_active_admins(session, user) == 0:
            raise Conflict("Это последний администратор: отключать его нельзя")
        end_all_sessions(user)
    user.active = active
    session.flush()
    return user


def reset_password(session: Session, user: User, *, password: str) -> User:
    """Set a new password by the policy and end the user's sessions."""
    check_password_policy(password, username=user.username)
    user.set_password(password)
    end_all_sessions(user)
    session.flush()
    return user


def update_profile(session: Session, user: User, *, full_name: str, position: str | None) -> User:
    full_name = " ".join((full_name or "").split())
    if not full_name:
        raise InvalidInput("Укажите ФИО", field="full_name")
    user.full_name = full_name
    user.position = (position or "").strip() or None
    session.flush()
    return user


def all_users(session: Session) -> list[User]:
    return list(session.scalars(select(User).order_by(User.active.desc(), User.full_name)))
