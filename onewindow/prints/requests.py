"""Request glue: record a PDF being handed out, and the current user's print setup.

Called from ``onewindow.web.pdf_response`` and from views; domain code never imports it.
"""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlencode

from flask import request
from flask_login import current_user

from ..database import own_write_transaction
from ..extensions import db
from . import queries, services

IGNORED_ARGS = ("download",)


def record_in_request(pdf: bytes, filename: str, *, kind: str, object_type=None,
                      object_id=None) -> int:
    """Journal the document in its own short write transaction; returns the entry id.

    The request's transaction ends first (render the PDF before calling this; a POST's
    work is committed with it), the same way as the audit of reads; the row is then
    written in a transaction that may write (IMMEDIATE on SQLite, even after a GET),
    together with the audit entry of the print when somebody is logged in.
    """
    from ..security.sessions import audit_change

    pairs = [(k, v) for k, v in request.args.items(multi=True) if k not in IGNORED_ARGS]
    url = request.path + ("?" + urlencode(pairs) if pairs else "")
    params: dict = {}
    for key, value in pairs:
        params.setdefault(key, []).append(value)
    user_id = current_user.id if current_user.is_authenticated else None
    values = dict(kind=kind, pdf=pdf, filename=filename, url=url, params=params,
                  object_type=object_type, object_id=object_id, user_id=user_id,
                  now=datetime.now())
    with own_write_transaction(db.session):
        entry = services.record_print(db.session, **values)
        entry_id = entry.id
        if user_id is not None:
            audit_change("print", object_type=object_type, object_id=object_id,
                         details=f"{entry.kind_name}, журнал печати № {entry_id}")
    return entry_id


def current_setup():
    user_id = current_user.id if current_user.is_authenticated else None
    return queries.setup_for(db.session, user_id)


def _mm(value: str | None) -> float | None:
    try:
        number = float((value or "").replace(",", "."))
    except ValueError:
        return None
    return max(-services.MAX_OFFSET_MM, min(services.MAX_OFFSET_MM, number))


def label_offset() -> tuple[float, float]:
    """Offsets in mm: this workstation's (``dx``/``dy`` added by offline.js), else the user's."""
    dx, dy = _mm(request.args.get("dx")), _mm(request.args.get("dy"))
    if dx is None or dy is None:
        setup = current_setup()
        dx = setup.offset_x_mm if dx is None else dx
        dy = setup.offset_y_mm if dy is None else dy
    return float(dx), float(dy)


def label_format() -> str:
    """The label format asked for, else the user's default."""
    fmt = request.args.get("format")
    if fmt in ("sheet", "thermal"):
        return fmt
    return current_setup().label_format


def receipt_copies() -> int:
    copies = request.args.get("copies")
    if copies in ("1", "2"):
        return int(copies)
    return current_setup().receipt_copies
