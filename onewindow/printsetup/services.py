"""Store a user's print setup."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import InvalidInput
from .models import LABEL_FORMATS, PrintSetup

MAX_OFFSET_MM = 20.0


def _offset(value, field: str) -> float:
    try:
        number = round(float(str(value).replace(",", ".")), 1)
    except (TypeError, ValueError):
        raise InvalidInput("Введите число миллиметров, например 1,5 или -2", field=field) from None
    if not -MAX_OFFSET_MM <= number <= MAX_OFFSET_MM:
        raise InvalidInput(f"Смещение — от −{MAX_OFFSET_MM:g} до {MAX_OFFSET_MM:g} мм",
                           field=field)
    return number


def save_setup(session: Session, *, user_id: int, label_format: str, printer_name: str,
               offset_x_mm, offset_y_mm, receipt_copies, now: datetime) -> PrintSetup:
    """Store the user's print setup (one row per user)."""
    if label_format not in LABEL_FORMATS:
        raise InvalidInput("Выберите формат этикеток", field="label_format")
    try:
        copies = int(receipt_copies)
    except (TypeError, ValueError):
        copies = 0
    if copies not in (1, 2):
        raise InvalidInput("Число экземпляров расписки — 1 или 2", field="receipt_copies")
    dx = _offset(offset_x_mm, "offset_x_mm")
    dy = _offset(offset_y_mm, "offset_y_mm")
    setup = session.scalar(select(PrintSetup).where(PrintSetup.user_id == user_id)
                           .with_for_update())
    if setup is None:
        setup = PrintSetup(user_id=user_id)
        session.add(setup)
    setup.label_format = label_format
    setup.printer_name = (printer_name or "").strip()[:100]
    setup.offset_x_mm, setup.offset_y_mm = dx, dy
    setup.receipt_copies = copies
    setup.updated_at = now
    session.flush()
    return setup
