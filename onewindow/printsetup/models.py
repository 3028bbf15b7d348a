"""A user's print setup (the browser keeps a per-workstation copy of the offsets too)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db

LABEL_FORMATS = {"sheet": "Лист A4 с наклейками", "thermal": "Термопринтер (одна этикетка)"}


class PrintSetup(db.Model):
    """A user's printer calibration; the browser keeps a per-workstation copy too."""

    __tablename__ = "print_setups"
    __table_args__ = (
        CheckConstraint("label_format IN ('sheet', 'thermal')", name="label_format_known"),
        CheckConstraint("receipt_copies BETWEEN 1 AND 2", name="receipt_copies_range"),
        CheckConstraint("offset_x_mm BETWEEN -20 AND 20 AND offset_y_mm BETWEEN -20 AND 20",
                        name="offsets_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), unique=True)
    label_format: Mapped[str] = mapped_column(String(10), default="sheet")
    printer_name: Mapped[str] = mapped_column(String(100), default="")
    offset_x_mm: Mapped[float] = mapped_column(default=0.0)
    offset_y_mm: Mapped[float] = mapped_column(default=0.0)
    receipt_copies: Mapped[int] = mapped_column(default=1)
    updated_at: Mapped[datetime]
