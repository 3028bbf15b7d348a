"""Configuration read from environment variables (see README, "Configuration")."""

import os
import secrets
from datetime import timedelta
from pathlib import Path

from flask import current_app, has_app_context

DEV_SECRET = "dev-only-secret-key-change-me"
SECRET_FILE = "secret_key"
LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})


def _bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


# Printed on every receipt, letter and памятка until the office sets its own: it must not
# pass for a real address (the quick start and the administrator's home page say so).
PLACEHOLDER_ADDRESS = "АДРЕС НЕ УКАЗАН — укажите INSTITUTION_ADDRESS"


class Config:
    """Settings for a running office; every value can be set from the environment."""

    def __init__(self, instance_path: str):
        env = os.environ
        self.ENV_NAME = env.get("ONEWINDOW_ENV", "development")
        # Outside production without SECRET_KEY: a random key made on first run and kept in
        # instance/ (never the published development key, which forges sessions).
        self.SECRET_KEY = env.get("SECRET_KEY") or (
            instance_secret(instance_path) if self.ENV_NAME != "production" else None
        )
        default_db = "sqlite:///" + str(Path(instance_path) / "onewindow.sqlite3")
        self.SQLALCHEMY_DATABASE_URI = normalize_db_url(env.get("DATABASE_URL") or default_db)
        self.SQLALCHEMY_ENGINE_OPTIONS = engine_options(self.SQLALCHEMY_DATABASE_URI)
        # Where the report pages read (a streaming replica of the primary); "" = the primary.
        self.REPORTS_DATABASE_URL = env.get("REPORTS_DATABASE_URL", "").strip()
        self.WTF_CSRF_TIME_LIMIT = None  # the session's own lifetime bounds the token
        self.WTF_CSRF_HEADERS = ["X-CSRFToken"]
        self.WTF_I18N_ENABLED = False  # WTForms' Russian messages (extensions.py)
        self.SESSION_COOKIE_HTTPONLY = True
        self.SESSION_COOKIE_SAMESITE = "Lax"
        # Behind HTTPS (production) the cookie is Secure unless explicitly turned off.
        self.SESSION_COOKIE_SECURE = _bool(
            "SESSION_COOKIE_SECURE", self.ENV_NAME == "production")
        self.SESSION_IDLE_MINUTES = int(env.get("SESSION_IDLE_MINUTES", "30"))
        self.SESSION_MAX_HOURS = int(env.get("SESSION_MAX_HOURS", "12"))
        self.PERMANENT_SESSION_LIFETIME = timedelta(minutes=self.SESSION_IDLE_MINUTES)
        # The cookie is re-signed only when the session changes (the idle mark moves at most
        # once a minute, onewindow.security.sessions), not on every request.
        self.SESSION_REFRESH_EACH_REQUEST = False
        self.LOGIN_THROTTLE_MINUTES = int(env.get("LOGIN_THROTTLE_MINUTES", "15"))
        self.LOGIN_MAX_FAILURES_ACCOUNT = int(env.get("LOGIN_MAX_FAILURES_ACCOUNT", "5"))
        self.LOGIN_MAX_FAILURES_ADDRESS = int(env.get("LOGIN_MAX_FAILURES_ADDRESS", "20"))
        # Kiosk limits per device and minute: tickets, and wrong booking codes.
        self.KIOSK_TICKETS_PER_MINUTE = int(env.get("KIOSK_TICKETS_PER_MINUTE", "10"))
        self.KIOSK_CODE_ATTEMPTS_PER_MINUTE = int(env.get("KIOSK_CODE_ATTEMPTS_PER_MINUTE", "5"))
        # Reverse proxies in front of the app whose X-Forwarded-For/-Proto are trusted
        # (0: none, the peer's address is the client's).
        self.PROXY_FIX = int(env.get("PROXY_FIX", "0"))
        # Plain HTTP is answered with a redirect to HTTPS on HTTPS_PORT (/healthz excepted:
        # a load balancer may check over HTTP).
        self.FORCE_HTTPS = _bool("FORCE_HTTPS")
        self.HTTPS_PORT = int(env.get("HTTPS_PORT", "443"))
        # The office's time zone: "now", "today", deadlines, queue days and registers are
        # the office's whatever the server's own zone ("" = the server's local time).
        self.OFFICE_TIMEZONE = env.get("OFFICE_TIMEZONE", "Europe/Volgograd")
        # Who runs selection import jobs: "thread" (of the web process) or "process"
        # (separate `flask --app app worker` processes; /healthz then expects one alive).
        self.SELECTIONS_WORKER = env.get("SELECTIONS_WORKER", "thread").strip().lower()
        # An uploaded selection never mapped and loaded for this many days is cancelled
        # and its file deleted (`flask selections-purge-drafts`, and the worker hourly).
        self.SELECTIONS_DRAFT_DAYS = int(env.get("SELECTIONS_DRAFT_DAYS", "7"))
        # "json": one JSON object a log line (for a log collector); else plain text.
        self.LOG_FORMAT = env.get("LOG_FORMAT", "text").strip().lower()
        # How passwords are hashed (Werkzeug's method string); the tests take a cheap one.
        self.PASSWORD_HASH_METHOD = env.get("PASSWORD_HASH_METHOD", "scrypt")
        self.AUDIT_RETENTION_DAYS = int(env.get("AUDIT_RETENTION_DAYS", str(3 * 365)))
        self.MAX_CONTENT_LENGTH = int(env.get("MAX_UPLOAD_MB", "20")) * 1024 * 1024
        # Fields (and files) of one form; werkzeug answers 413 beyond it.
        self.MAX_FORM_PARTS = int(env.get("MAX_FORM_PARTS", "1000"))
        # Uploaded files: <UPLOAD_DIR>/<area>/<generated name>, never under static/.
        self.UPLOAD_DIR = env.get("UPLOAD_DIR") or str(Path(instance_path) / "uploads")
        self.INSTITUTION_NAME = env.get(
            "INSTITUTION_NAME",
            "ГКУ «Центр социальной защиты населения по Краснооктябрьскому району Волгограда»",
        )
        self.INSTITUTION_SHORT_NAME = env.get(
            "INSTITUTION_SHORT_NAME", "ГКУ ЦСЗН по Краснооктябрьскому району"
        )
        self.INSTITUTION_ADDRESS = env.get("INSTITUTION_ADDRESS", PLACEHOLDER_ADDRESS)
        self.INSTITUTION_PHONE = env.get("INSTITUTION_PHONE", "+7 (8442) 00-00-00")
        self.SECTOR_NAME = env.get("SECTOR_NAME", "Сектор по работе с клиентами «Одно окно»")
        # How often the hall board asks for new calls (milliseconds).
        self.QUEUE_BOARD_POLL_MS = int(env.get("QUEUE_BOARD_POLL_MS", "1000"))
        # Archive: case number format and label layouts (see README, "Архив").
        for key in ("ARCHIVE_CASE_NUMBER_FORMAT", "ARCHIVE_LABEL_SHEET", "ARCHIVE_LABEL_THERMAL"):
            if env.get(key):
                setattr(self, key, env[key])


def instance_secret(instance_path: str) -> str:
    """The instance's own secret key: read from instance/secret_key, made once (mode 0600)."""
    path = Path(instance_path) / SECRET_FILE
    try:
        return path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made it first: use theirs
        return path.read_text(encoding="ascii").strip()
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(key + "\n")
    return key


def normalize_db_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL whatever scheme the operator wrote."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def reports_bind(url: str) -> dict:
    """The ``SQLALCHEMY_BINDS`` entry of the reports' database (empty when not set)."""
    if not url:
        return {}
    url = normalize_db_url(url)
    return {"reports": {"url": url, **engine_options(url)}}


def engine_options(url: str) -> dict:
    if url.startswith("sqlite"):
        return {"connect_args": {"timeout": 30, "check_same_thread": False}}
    # psycopg 3 switches to a generic plan after five prepared runs, which scans whole
    # indexes for prefix searches; keep plain statements.
    return {
        "connect_args": {"prepare_threshold": None},
        "pool_pre_ping": True,
    }


def setting(name: str, default=None):
    """An office setting of the running app (its config), else ``default`` (CLI, tests)."""
    if has_app_context():
        return current_app.config.get(name) or default
    return default
