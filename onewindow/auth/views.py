from datetime import datetime

from flask import Blueprint, flash, redirect, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user

from ..extensions import db
from ..web import allow, public, render
from . import services
from .forms import LoginForm

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str:
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return url_for("home.index")


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        user = services.authenticate(
            db.session, username=form.username.data, password=form.password.data,
            now=datetime.now(),
        )
        if user is not None:
            session.clear()  # a fresh session for each login
            login_user(user)
            session.permanent = True
            db.session.commit()
            return redirect(_safe_next(request.args.get("next")))
        error = "Неверное имя пользователя или пароль"
    status = 422 if (error or form.errors) else 200
    return render("auth/login.html", form=form, error=error, status=status)


@bp.route("/logout", methods=["POST"])
@allow()
@login_required
def logout():
    services.end_all_sessions(current_user)
    db.session.commit()
    logout_user()
    session.clear()
    flash("Вы вышли из системы")
    return redirect(url_for("auth.login"))
