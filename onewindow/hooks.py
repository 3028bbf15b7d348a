"""Request hooks, error pages, security headers and template helpers."""

from __future__ import annotations

from flask import Flask, redirect, request, url_for
from flask_login import current_user
from flask_wtf.csrf import CSRFError

from .core import snils as snils_mod
from .core import text
from .database import set_write_intent
from .errors import DomainError
from .extensions import db, htmx, login_manager
from .web import check_access, has_role, is_write_request, render

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


def init_app(app: Flask) -> None:
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Войдите в систему, чтобы продолжить"

    @login_manager.user_loader
    def _load_user(user_id: str):
        from .auth.services import load_user

        return load_user(db.session, user_id)

    @login_manager.unauthorized_handler
    def _unauthorized():
        target = url_for("auth.login", next=request.path)
        if htmx:
            response = app.response_class("", 401)
            response.headers["HX-Redirect"] = target
            return response
        return redirect(target)

    @app.before_request
    def _before():
        set_write_intent(is_write_request())
        if request.endpoint is None or request.endpoint == "static":
            return None
        view = app.view_functions.get(request.endpoint)
        check_access(view)
        return None

    @app.after_request
    def _headers(response):
        h = response.headers
        h.setdefault("Content-Security-Policy", CSP)
        h.setdefault("X-Content-Type-Options", "nosniff")
        h.setdefault("X-Frame-Options", "DENY")
        h.setdefault("Referrer-Policy", "same-origin")
        if request.endpoint != "static" and current_user.is_authenticated:
            h["Cache-Control"] = "no-store"
        return response

    @app.teardown_request
    def _teardown(exc):
        if exc is not None:
            db.session.rollback()

    def _error_page(code: int, message: str | None = None):
        db.session.rollback()
        return render(
            "errors/error.html", "errors/_error.html", status=code, code=code,
            message=message or ERROR_TEXT.get(code, "Ошибка"),
        )

    for code in (400, 403, 404, 405, 409, 413, 500):
        app.register_error_handler(code, lambda e, code=code: _error_page(code))

    @app.errorhandler(401)
    def _401(_e):
        return _unauthorized()

    @app.errorhandler(CSRFError)
    def _csrf(_e):
        return _error_page(
            400, "Форма устарела (истёк срок сеанса или ключа защиты). "
            "Обновите страницу и повторите — введённые данные сохранены в форме.",
        )

    @app.errorhandler(DomainError)
    def _domain(e: DomainError):
        return _error_page(e.status_code, e.message)

    @app.context_processor
    def _globals():
        return {
            "has_role": has_role,
            "institution_name": app.config["INSTITUTION_NAME"],
            "sector_name": app.config["SECTOR_NAME"],
        }

    app.jinja_env.filters["date"] = text.format_date
    app.jinja_env.filters["datetime"] = text.format_datetime
    app.jinja_env.filters["snils"] = lambda v: snils_mod.format_snils(v) if v else ""
    app.jinja_env.filters["snils_masked"] = lambda v: snils_mod.mask_snils(v) if v else ""
