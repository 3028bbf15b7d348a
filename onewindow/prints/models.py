"""The print journal (журнал печати)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db

KIND_NAMES = {
    "receipt": "Расписка",
    "transfer_register": "Реестр передачи",
    "pamyatka": "Памятка",
    "folder_labels": "Этикетки дел",
    "box_labels": "Этикетки коробов",
    "inventory": "Опись дел",
    "registry_request": "Межведомственный запрос",
    "registry_answer": "Ответ на запрос",
    "appeal_letter": "Письмо по обращению",
    "decision_notice": "Уведомление о решении",
    "handover_act": "Акт приёма-передачи",
    "calibration": "Калибровочная страница",
    "ticket": "Талон очереди",
    "report": "Отчёт",
    "letters": "Письма заявителям",
    "selection_report": "Отчёт по селекциям",
    "inventory_report": "Итоги инвентаризации",
    "disposal_act": "Акт об уничтожении",
}


def kind_name(kind: str) -> str:
    """The document kind as the journal names it (the code itself for an unknown kind)."""
    return KIND_NAMES.get(kind, kind)

OBJECT_NAMES = {
    "application": "заявление",
    "register": "реестр",
    "service": "услуга",
    "case_file": "дело",
    "box": "короб",
    "registry_request": "запрос",
    "appeal": "обращение",
    "notice": "уведомление",
    "handover": "передача дел",
    "ticket": "талон",
    "report": "отчёт",
    "selection": "селекция",
    "selection_period": "селекции за период",
    "inventory": "инвентаризация",
    "disposal_act": "акт",
}



class PrintedDocument(db.Model):
    """One generated document, its bytes kept so that a re-print is byte-identical."""

    __tablename__ = "printed_documents"
    __table_args__ = (
        Index("ix_printed_documents_object", "object_type", "object_id"),
        Index("ix_printed_documents_user_id_printed_at", "user_id", "printed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    object_type: Mapped[str | None] = mapped_column(String(40))
    object_id: Mapped[str | None] = mapped_column(String(64))
    filename: Mapped[str] = mapped_column(String(200))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    printed_at: Mapped[datetime] = mapped_column(index=True)
    # What regenerates it: the request path with its query, and the arguments as JSON.
    url: Mapped[str] = mapped_column(String(1000))
    params: Mapped[str] = mapped_column(Text, default="{}")
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int]
    # Emptied after the retention period (PRINT_JOURNAL_RETENTION_DAYS); the row stays.
    content: Mapped[bytes | None] = mapped_column(LargeBinary)
    content_purged_at: Mapped[datetime | None]

    user = relationship("User")

    @property
    def kind_name(self) -> str:
        return kind_name(self.kind)

    @property
    def object_label(self) -> str:
        if not self.object_type:
            return ""
        return f"{OBJECT_NAMES.get(self.object_type, self.object_type)} {self.object_id or ''}"

    @property
    def stored(self) -> bool:
        return self.content is not None
