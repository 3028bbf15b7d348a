"""onewindow: the «Одно окно» reception sector's application."""

from __future__ import annotations

import pyexpat
from pathlib import Path

from flask import Flask

ROOT = Path(__file__).resolve().parent.parent

BLUEPRINTS = (
    "onewindow.account.views",
    "onewindow.home.views",
    "onewindow.catalog.views",
    "onewindow.applicants.views",
    "onewindow.intake.views",
    "onewindow.admin.views",
    "onewindow.queue.views",
    "onewindow.archive.views",
    "onewindow.inventory.views",
    "onewindow.disposal.views",
    "onewindow.registry.views",
    "onewindow.security.views",
    "onewindow.reports.views",
    "onewindow.feedback.views",
    "onewindow.selections.views",
    "onewindow.prints.views",
    "onewindow.ops.views",
)

# Modules that react to other areas' domain events (see onewindow/events.py), and the
# audit of every flushed change of personal data.
RECEIVERS = (
    "onewindow.archive.receivers",
    "onewindow.queue.receivers",
    "onewindow.registry.receivers",
    "onewindow.security.autoaudit",
    "onewindow.security.receivers",
    "onewindow.prints.receivers",
)


def create_app(config: dict | None = None) -> Flask:
    """Build the application: config → extensions → models → blueprints → CLI → errors."""
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_relative_config=True,
    )
    from .uploads import Request

    app.request_class = Request  # MAX_FORM_PARTS for url-encoded forms too
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)

    from .config import DEV_SECRET, Config, engine_options, normalize_db_url, reports_bind

    app.config.from_object(Config(app.instance_path))
    if config:
        app.config.update(config)
        if "SQLALCHEMY_DATABASE_URI" in config:
            url = normalize_db_url(config["SQLALCHEMY_DATABASE_URI"])
            app.config["SQLALCHEMY_DATABASE_URI"] = url
            app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {})
            app.config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(url)
    app.config["SQLALCHEMY_BINDS"] = {**(app.config.get("SQLALCHEMY_BINDS") or {}),
                                      **reports_bind(app.config.get("REPORTS_DATABASE_URL"))}
    if not app.config.get("SECRET_KEY"):
        raise RuntimeError("SECRET_KEY must be set in production (ONEWINDOW_ENV=production)")
    if app.config.get("ENV_NAME") == "production" and (app.debug or app.testing):
        raise RuntimeError("debug/testing mode is refused in production (ONEWINDOW_ENV=production)")
    if app.config.get("ENV_NAME") == "production" and app.config["SECRET_KEY"] == DEV_SECRET:
        raise RuntimeError("the development SECRET_KEY is refused in production")

    _warn_old_expat(app)
    from . import models  # noqa: F401  (every table known to Alembic)
    from .core import clock

    clock.set_office_timezone(app.config.get("OFFICE_TIMEZONE"))
    from .database import configure_engine
    from .extensions import csrf, db, htmx, login_manager, migrate

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    htmx.init_app(app)
    login_manager.init_app(app)
    with app.app_context():
        for engine in db.engines.values():
            configure_engine(engine)

    import importlib

    from .web import IdConverter, transaction_edge

    app.url_map.converters["int"] = IdConverter
    for module_name in BLUEPRINTS:
        app.register_blueprint(importlib.import_module(module_name).bp)
    for endpoint, view in list(app.view_functions.items()):
        if endpoint != "static":
            app.view_functions[endpoint] = transaction_edge(view)
    for module_name in RECEIVERS:
        importlib.import_module(module_name)

    from . import cli, hooks

    hooks.init_app(app)
    cli.init_app(app)
    return app


# expat before 2.7.0 has CVE-2024-8176: deeply nested entities crash the process.
SAFE_EXPAT = (2, 7, 0)


def _warn_old_expat(app: Flask) -> None:
    """Log a warning when the runtime's XML parser is older than SAFE_EXPAT."""
    version = pyexpat.EXPAT_VERSION.removeprefix("expat_")
    try:
        parts = tuple(int(p) for p in version.split(".")[:3])
    except ValueError:
        return
    if parts < SAFE_EXPAT:
        app.logger.warning(
            "the runtime's XML parser is expat %s, older than %s (CVE-2024-8176); uploaded "
            "XLSX files with DTDs are refused, but update Python or its libexpat",
            version, ".".join(map(str, SAFE_EXPAT)))
