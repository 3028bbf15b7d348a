"""Read a user's print setup."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from .models import PrintSetup


def setup_for(session: Session, user_id: int | None) -> PrintSetup:
    """The user's setup, or an unsaved default one."""
    setup = None
    if user_id is not None:
        setup = session.scalar(select(PrintSetup).where(PrintSetup.user_id == user_id))
    return setup or PrintSetup(user_id=user_id, label_format="sheet", printer_name="",
                               offset_x_mm=0.0, offset_y_mm=0.0, receipt_copies=1)
