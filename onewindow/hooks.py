"""Request hooks, error pages, security headers and template helpers."""

from __future__ import annotations

import json

from flask import Flask, flash, g, make_response, redirect, request, session, url_for
from flask_login import current_user, logout_user
from flask_wtf.csrf import CSRFError
from markupsafe import Markup
from sqlalchemy.exc import DataError
from werkzeug.middleware.proxy_fix import ProxyFix

from .auth.services import load_user
from .core import clock, shortcuts, text
from .core import snils as snils_mod
from .database import set_write_intent
from .errors import DomainError
from .events import ACTOR_KEY, user_signed_out
from .extensions import db, htmx, login_manager
from .ops import logs
from .security import sessions as security_sessions
from .uploads import too_large_message
from .web import (
    check_access,
    current_actor,
    has_role,
    history_url,
    hook,
    is_read_only,
    is_write_request,
    render,
)


def alt_key(name: str) -> Markup:
    """Attributes binding an element to the Alt shortcut ``name`` (see core/shortcuts.py)."""
    shortcut = shortcuts.alt_shortcut(name)
    return Markup(' data-alt-key="{}" aria-keyshortcuts="{}"').format(shortcut.code,
                                                                       shortcut.label)


CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; object-src 'none'; frame-src 'self'; frame-ancestors 'none'; "
    "base-uri 'self'; form-action 'self'"
)

ERROR_TEXT = {
    400: "Неверный запрос",
    401: "Требуется вход в систему",
    403: "Недостаточно прав для этого действия",
    404: "Страница не найдена",
    405: "Метод не поддерживается",
    409: "Конфликт данных",
    413: "Файл слишком большой",
    422: "Данные не приняты",
    500: "Внутренняя ошибка. Сообщите администратору; ваши данные не сохранены.",
}


CSRF_MESSAGE = (
    "Форма устарела (истёк срок сеанса или ключа защиты). Вернитесь назад (Alt+←) — "
    "введённое осталось в форме; при необходимости войдите в новой вкладке, "
    "обновите страницу и повторите отправку."
)
CSRF_MESSAGE_HTMX = (
    "Форма устарела (истёк срок сеанса или ключа защиты). Введённые данные сохранены в "
    "форме: при необходимости войдите заново в новой вкладке, нажмите «Обновить ключ» и "
    "повторите отправку."
)


DATA_MESSAGE = "Введено недопустимое значение (слишком большое число или длинный текст)."
NUL_MESSAGE = "Во введённых данных есть недопустимый символ (NUL). Исправьте и повторите."


def _alert(status: int, message: str, login_url: str):
    """An htmx answer that swaps nothing: the page shows the message, the form stays."""
    response = make_response(message, status)
    response.headers["HX-Reswap"] = "none"
    response.headers["HX-Trigger"] = json.dumps(
        {"onewindow:alert": {"message": message, "login": login_url}}, ensure_ascii=True)
    response.mimetype = "text/plain"
    return response


def too_large(_exc=None):
    """413 (over MAX_UPLOAD_MB or MAX_FORM_PARTS): say which; an htmx form keeps its input."""
    db.session.rollback()
    message = too_large_message()
    if htmx:
        return _alert(413, message, url_for("account.login"))
    return render("errors/error.html", "errors/_error.html", code=413, message=message), 413


def too_large_on_form(endpoint: str, form_class, page):
    """A blueprint's 413 handler for its upload form: when that form itself was posted (not
    by htmx), the page comes back with the message next to its file field; anything else
    gets :func:`too_large`. ``page(form, status=)`` renders the form's page."""
    def handler(exc):
        if htmx or request.endpoint != endpoint:
            return too_large(exc)
        db.session.rollback()
        form = form_class(formdata=None)
        form.file.errors = [too_large_message()]
        return page(form, status=413)
    return handler


HSTS = "max-age=31536000"


def init_app(app: Flask) -> None:
    logs.init_app(app)  # first: the request id is set before any other hook logs
    proxies = int(app.config.get("PROXY_FIX") or 0)
    if proxies > 0:
        # Behind a reverse proxy: the client's address (login throttling, the audit) and
        # scheme come from the X-Forwarded-* headers its PROXY_FIX trusted proxies set.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies,
                                x_host=proxies, x_port=proxies)
    login_manager.login_view = "account.login"
    login_manager.login_message = "Войдите в систему, чтобы продолжить"

    @login_manager.user_loader
    def _load_user(user_id: str):
        return load_user(db.session, user_id)

    @login_manager.unauthorized_handler
    def _unauthorized():
        target = url_for("account.login", next=request.path)
        if htmx and is_write_request():
            # Mid-form: say so and keep the form as typed (no swap, no redirect).
            return _alert(401, "Сеанс завершён. Введённые данные сохранены в форме: войдите "
                          "в систему в новой вкладке, нажмите «Обновить ключ» и повторите "
                          "отправку.", target)
        if htmx:
            response = app.response_class("", 401)
            response.headers["HX-Redirect"] = target
            return response
        return redirect(target)

    @app.before_request
    def _before():
        view = app.view_functions.get(request.endpoint) if request.endpoint else None
        set_write_intent(is_write_request() and not is_read_only(view))
        if request.endpoint is None or request.endpoint == "static":
            return None
        if current_user.is_authenticated:
            message = security_sessions.expiry_message()
            if message is not None:
                security_sessions.audit_change("session_expired", object_type="user",
                                               object_id=current_user.id)
                user_signed_out.send(current_user.id, session=db.session,
                                     now=clock.now(), reason="expired",
                                     at=security_sessions.last_seen())
                db.session.commit()
                logout_user()
                session.clear()
                flash(message)
        db.session.info[ACTOR_KEY] = current_actor()
        check_access(view)
        if _has_nul():
            # PostgreSQL cannot store NUL; no form of the office needs one.
            if htmx:
                return _alert(422, NUL_MESSAGE, url_for("account.login"))
            return _error_page(422, NUL_MESSAGE)
        return None

    def _has_nul() -> bool:
        values = list((request.view_args or {}).values())
        values += [v for _k, v in request.args.items(multi=True)]
        if is_write_request():
            values += [v for _k, v in request.form.items(multi=True)]
            values += [k for k in request.form.keys()]
        return any(isinstance(v, str) and "\x00" in v for v in values)

    @app.after_request
    def _headers(response):
        h = response.headers
        h.setdefault("Content-Security-Policy", CSP)
        h.setdefault("X-Content-Type-Options", "nosniff")
        h.setdefault("X-Frame-Options", "DENY")
        h.setdefault("Referrer-Policy", "same-origin")
        if app.config.get("SESSION_COOKIE_SECURE"):
            # Served over HTTPS: browsers never try plain HTTP again for a year.
            h.setdefault("Strict-Transport-Security", HSTS)
        if request.endpoint != "static" and current_user.is_authenticated:
            h["Cache-Control"] = "no-store"
        return response

    @app.teardown_request
    def _teardown(exc):
        if exc is not None:
            db.session.rollback()
        db.session.info.pop(ACTOR_KEY, None)
        # Requests that share an app context (tests, CLI) must not share the login cache.
        g.pop("_login_user", None)

    def _error_page(code: int, message: str | None = None):
        db.session.rollback()
        return render("errors/error.html", "errors/_error.html", code=code,
                      message=message or ERROR_TEXT.get(code, "Ошибка")), code

    for code in (400, 403, 404, 405, 409, 500):
        app.register_error_handler(code, lambda e, code=code: _error_page(code))
    app.register_error_handler(413, too_large)

    @app.errorhandler(401)
    def _401(_e):
        return _unauthorized()

    @app.errorhandler(CSRFError)
    def _csrf(_e):
        if htmx:
            return _alert(400, CSRF_MESSAGE_HTMX, url_for("account.login"))
        return _error_page(400, CSRF_MESSAGE)

    @app.errorhandler(DataError)
    def _data_error(_e):
        # A value the database cannot hold (an out-of-range number, say): nothing saved.
        db.session.rollback()
        if htmx and is_write_request():
            return _alert(422, DATA_MESSAGE, url_for("account.login"))
        return _error_page(422, DATA_MESSAGE)

    @app.errorhandler(DomainError)
    def _domain(e: DomainError):
        return _error_page(e.status_code, e.message)

    @app.context_processor
    def _globals():
        return {
            "has_role": has_role,
            "hook": hook,
            "history_url": history_url,
            "sees_full_pd": security_sessions.sees_full_pd,
            "institution_name": app.config["INSTITUTION_NAME"],
            "sector_name": app.config["SECTOR_NAME"],
            "alt_key": alt_key,
            "alt_label": lambda name: shortcuts.alt_shortcut(name).label,
            "shortcuts": shortcuts,
        }

    app.jinja_env.filters["date"] = text.format_date
    app.jinja_env.filters["datetime"] = text.format_datetime
    # One masking rule for every page: in full only for FULL_PD_ROLES (docs/ACCESS.md).
    app.jinja_env.filters["snils"] = lambda v: (
        snils_mod.format_snils(v) if security_sessions.sees_full_pd()
        else snils_mod.mask_snils(v)) if v else ""
    app.jinja_env.filters["snils_masked"] = lambda v: snils_mod.mask_snils(v) if v else ""
