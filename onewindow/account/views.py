from flask import Blueprint, flash, make_response, redirect, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf.csrf import generate_csrf

from ..auth import services
from ..core import clock
from ..core.text import format_datetime
from ..events import user_signed_out
from ..extensions import db
from ..security import sessions as security
from ..web import allow, form_action, public, render
from .forms import LoginForm, PasswordChangeForm

bp = Blueprint("account", __name__)


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
    status = 200
    if form.validate_on_submit():
        username = services.normalize_username(form.username.data)
        if security.throttled(username):
            error, status = security.throttle_message(), 429
            # Returned, not raised: the request edge commits the audit row.
            security.audit_change("login_failed", username=username, result="throttled")
        else:
            user = services.authenticate(
                db.session, username=username, password=form.password.data,
                now=clock.now(),
            )
            if user is not None:
                previous = user.previous_login_at
                security.audit_change("login", user=user, object_type="user",
                                      object_id=user.id)
                session.clear()  # a fresh session (and CSRF token) for each login
                login_user(user)
                security.start_session()
                flash("Предыдущий вход: " + format_datetime(previous) if previous
                      else "Это ваш первый вход в систему")
                return redirect(_safe_next(request.args.get("next")))
            error, status = "Неверное имя пользователя или пароль", 422
            security.audit_change("login_failed", username=username, result="failed")
    elif form.errors:
        status = 422
    return render("account/login.html", form=form, error=error), status


@bp.route("/logout", methods=["POST"])
@allow()
@login_required
def logout():
    services.end_all_sessions(current_user)
    user_signed_out.send(current_user.id, session=db.session, now=clock.now(),
                         reason="logout")
    security.audit_change("logout", object_type="user", object_id=current_user.id)
    logout_user()
    session.clear()
    flash("Вы вышли из системы")
    return redirect(url_for("account.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@allow()
def change_password():
    """The user's own password change: every other session of the account ends."""
    form = PasswordChangeForm()
    if form.validate_on_submit():
        with form_action(form, field="password") as outcome:
            services.change_password(db.session, current_user, current=form.current.data,
                                     new=form.password.data)
        if outcome.ok:
            user = current_user._get_current_object()
            security.audit_change("password_change", user=user, object_type="user",
                                  object_id=user.id)
            session.clear()
            login_user(user)  # this session goes on under the new session version
            security.start_session()
            flash("Пароль изменён. Сеансы на других рабочих местах завершены.")
            return redirect(url_for("home.index"))
    status = 422 if form.errors else 200
    return render("account/password.html", form=form), status


@bp.get("/account/csrf-token")
@public
def csrf_token():
    """A fresh CSRF token for a page whose form outlived its session (see app.js)."""
    response = make_response(generate_csrf())
    response.mimetype = "text/plain"
    response.headers["Cache-Control"] = "no-store"
    # Whether the login session still holds: a user's form then says so instead of
    # sending into a login redirect (and losing what was typed).
    response.headers["X-Signed-In"] = "1" if current_user.is_authenticated else "0"
    return response
