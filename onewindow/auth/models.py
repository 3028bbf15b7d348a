from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, String
from sqlalchemy.orm import Mapped, mapped_column
from werkzeug.security import check_password_hash, generate_password_hash

from ..config import setting
from ..core import clock
from ..extensions import db
from .roles import ROLE_NAMES, ROLES

# Werkzeug's default; tests set PASSWORD_HASH_METHOD to a cheap one (config key).
PASSWORD_HASH_METHOD = "scrypt"


class User(UserMixin, db.Model):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint(
            "role IN (" + ", ".join(f"'{r}'" for r in ROLES) + ")", name="role_known"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    position: Mapped[str | None] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str] = mapped_column(String(256))
    active: Mapped[bool] = mapped_column(default=True)
    # Bumped on logout-everywhere, password change or disabling: old cookies stop working.
    session_version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    last_login_at: Mapped[datetime | None]
    previous_login_at: Mapped[datetime | None]

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(
            password, method=setting("PASSWORD_HASH_METHOD", PASSWORD_HASH_METHOD))

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    @property
    def is_authenticated(self) -> bool:
        # Only a live session loads a User (load_user refuses disabled accounts and old
        # session versions). Flask-Login's default reads ``active``, which re-queried the
        # row after every commit: each write request's response headers asked.
        return True

    @property
    def role_name(self) -> str:
        return ROLE_NAMES.get(self.role, self.role)

    @property
    def greeting_name(self) -> str:
        """How the home page greets: «Наталья Сергеевна» from «Рассказова Наталья Сергеевна»."""
        parts = self.full_name.split()
        return " ".join(parts[1:3]) if len(parts) >= 2 else self.full_name

    @property
    def short_name(self) -> str:
        parts = self.full_name.split()
        if len(parts) >= 2:
            return parts[0] + " " + " ".join(p[0] + "." for p in parts[1:3])
        return self.full_name

    def __repr__(self) -> str:
        return f"<User {self.username} {self.role}>"
