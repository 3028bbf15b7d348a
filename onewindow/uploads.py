"""Where uploaded files are kept, and what an oversize request is told.

An upload is stored as ``<UPLOAD_DIR>/<area>/<generated name>`` (``UPLOAD_DIR`` defaults
to ``instance/uploads``): never under ``static/``, never under the name the browser sent,
and never served back by the application. Its content is checked by
``onewindow.core.filetypes`` before it is parsed or kept. A request over ``MAX_UPLOAD_MB``
or with more fields than ``MAX_FORM_PARTS`` is refused by werkzeug with 413 (for
url-encoded forms too: :class:`Request`); the handlers in ``hooks.py`` and the upload
pages answer it with :func:`too_large_message`.
"""

from __future__ import annotations

import io
import re
import time
import uuid
from datetime import timedelta
from pathlib import Path

from flask import Request as FlaskRequest
from flask import current_app, request
from werkzeug.datastructures import CombinedMultiDict, ImmutableMultiDict
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.formparser import FormDataParser
from werkzeug.utils import cached_property

from .core.text import int64


class _FieldCountingParser(FormDataParser):
    """werkzeug counts the parts of multipart forms only; count url-encoded fields too.

    Without it a 20 MB url-encoded body of ``a=&a=&…`` is millions of fields.
    """

    def _parse_urlencoded(self, stream, mimetype, content_length, options):
        body = stream.read()
        if self.max_form_parts is not None and body.count(b"&") >= self.max_form_parts:
            raise RequestEntityTooLarge()
        return super()._parse_urlencoded(io.BytesIO(body), mimetype, content_length, options)


class _Parameters(ImmutableMultiDict):
    """Query-string and form fields whose ``get(..., type=int)`` keeps to 64 bits.

    A number too large reads as one that is not a number (the default, or dropped from
    ``getlist``): every view's ``request.args.get("x", type=int)`` is safe at once.
    """

    def get(self, key, default=None, type=None):  # noqa: A002 - werkzeug's signature
        return super().get(key, default, int64 if type is int else type)

    def getlist(self, key, type=None):  # noqa: A002
        return super().getlist(key, int64 if type is int else type)


class _CombinedParameters(CombinedMultiDict):
    """``request.values`` with the same 64-bit ``type=int``."""

    def get(self, key, default=None, type=None):  # noqa: A002
        return super().get(key, default, int64 if type is int else type)

    def getlist(self, key, type=None):  # noqa: A002
        return super().getlist(key, int64 if type is int else type)


class Request(FlaskRequest):
    """The application's request: MAX_FORM_PARTS holds for every kind of form, and
    integers read from parameters keep to 64 bits."""

    form_data_parser_class = _FieldCountingParser
    parameter_storage_class = _Parameters

    @cached_property
    def values(self) -> CombinedMultiDict:
        return _CombinedParameters([self.args] + ([self.form] if self.method != "GET"
                                                  else []))


GENERATED_NAME = re.compile(r"[0-9a-f]{32}")


def upload_dir(area: str) -> Path:
    """The folder of one area's uploads (created on first use)."""
    root = current_app.config.get("UPLOAD_DIR") or Path(current_app.instance_path) / "uploads"
    path = Path(root) / area
    path.mkdir(parents=True, exist_ok=True)
    return path


def generated_name(suffix: str = "") -> str:
    """A fresh random file name: 32 hex digits and the given (known) suffix."""
    return uuid.uuid4().hex + suffix


def is_generated_name(name: str, suffix: str = "") -> bool:
    """Whether ``name`` is one of ours — anything else (``../x``, ``a/b``) is refused."""
    if suffix:
        if not name.endswith(suffix):
            return False
        name = name[:-len(suffix)]
    return bool(GENERATED_NAME.fullmatch(name))


def remove_stale(directory: Path, *, max_age: timedelta, pattern: str = "*",
                 now: float | None = None) -> int:
    """Delete files of ``directory`` older than ``max_age``; returns how many went.

    Cheap enough to run on every upload: one directory listing, one stat per file.
    """
    cutoff = (time.time() if now is None else now) - max_age.total_seconds()
    removed = 0
    for path in directory.glob(pattern):
        try:
            if path.is_file() and path.stat().st_mtime < cutoff:
                path.unlink()
                removed += 1
        except FileNotFoundError:  # another worker cleaned it up first
            continue
    return removed


def _size(limit: int) -> str:
    return f"{limit // (1024 * 1024)} МБ" if limit >= 1024 * 1024 else f"{limit // 1024} КБ"


def too_large_message() -> str:
    """Why werkzeug refused the request (413): the body's size or the number of fields."""
    limit = current_app.config.get("MAX_CONTENT_LENGTH")
    length = request.content_length
    if limit and (length is None or length > limit):
        return (f"Файл больше допустимых {_size(limit)}. Разделите его на части или попросите "
                "администратора увеличить предел (MAX_UPLOAD_MB).")
    parts = current_app.config.get("MAX_FORM_PARTS") or 1000
    return (f"В форме слишком много полей или слишком длинный текст (не больше {parts} "
            "полей). Сократите ввод и отправьте форму ещё раз.")
