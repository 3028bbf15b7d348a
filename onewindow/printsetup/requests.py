"""Request glue: the current user's (or workstation's) print setup, read by views."""

from __future__ import annotations

from flask import request
from flask_login import current_user

from ..extensions import db
from . import queries, services


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
