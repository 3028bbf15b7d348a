"""The audit log (журнал обращений к персональным данным): append-only."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String, event
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db

ACTION_NAMES = {
    "view": "Просмотр",
    "view_list": "Просмотр списка",
    "create": "Создание",
    "update": "Изменение",
    "print": "Печать",
    "export": "Выгрузка",
    "cancel": "Отмена",
    "status": "Смена статуса",
    "login": "Вход",
    "login_failed": "Неудачный вход",
    "logout": "Выход",
    "session_expired": "Сеанс истёк",
    "password_change": "Смена пароля",
    "role_change": "Смена роли",
    "user_disable": "Блокировка учётной записи",
    "user_enable": "Разблокировка учётной записи",
    "audit_purge": "Очистка журнала по сроку хранения",
    "backup": "Резервное копирование базы",
    "restore": "Восстановление базы из копии",
    "kiosk_code_failed": "Неверный код записи на терминале",
    "kiosk_locked": "Терминал приостановлен (слишком много запросов)",
}

OBJECT_NAMES = {
    "applicant": "Заявитель",
    "application": "Заявление",
    "register": "Реестр передачи",
    "case_file": "Личное дело",
    "user": "Учётная запись",
    "audit": "Журнал",
    "database": "База данных",
    "kiosk": "Терминал",
    "box": "Короб",
    "selection": "Селекция",
    "selection_hit": "Совпадение селекции",
    "selection_decision": "Решение по совпадению селекции",
    "request": "Запрос",
    "appeal": "Обращение",
    "notice": "Уведомление",
    "handover": "Передача дел",
    "ticket": "Талон",
    "booking": "Предварительная запись",
    "report": "Отчёт",
    "service": "Услуга",
    "registry_request": "Запрос",
    "selection_period": "Селекции за период",
    "inventory": "Инвентаризация",
    "disposal_act": "Акт уничтожения",
    "home": "Главная страница",
    "applications": "Список заявлений",
    "applicants": "Поиск заявителей",
    "case_files": "Список личных дел",
    "deadlines": "Сроки",
    "notices": "Уведомления",
}

RESULT_NAMES = {"ok": "успешно", "denied": "отказано", "failed": "ошибка",
                "throttled": "заблокировано"}


class AuditRefused(RuntimeError):
    """An attempt to change or delete an audit entry through the application."""


class AuditEntry(db.Model):
    """One access to personal data or one security event; never the data itself."""

    __tablename__ = "audit_entries"
    __table_args__ = (
        Index("ix_audit_entries_at", "at"),
        Index("ix_audit_entries_object", "object_type", "object_id"),
        Index("ix_audit_entries_user", "user_id", "at"),
        Index("ix_audit_entries_action_at", "action", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime]
    # No foreign key: the log outlives accounts and must never block a change to users.
    user_id: Mapped[int | None]
    username: Mapped[str] = mapped_column(String(64))
    role: Mapped[str | None] = mapped_column(String(20))
    remote_addr: Mapped[str | None] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(32))
    object_type: Mapped[str | None] = mapped_column(String(32))
    object_id: Mapped[str | None] = mapped_column(String(64))
    result: Mapped[str] = mapped_column(String(16), default="ok")
    details: Mapped[str | None] = mapped_column(String(200))

    @property
    def action_name(self) -> str:
        return ACTION_NAMES.get(self.action, self.action)

    @property
    def object_name(self) -> str:
        return OBJECT_NAMES.get(self.object_type or "", self.object_type or "")

    @property
    def result_name(self) -> str:
        return RESULT_NAMES.get(self.result, self.result)


@event.listens_for(AuditEntry, "before_update")
def _refuse_update(_mapper, _conn, _target):
    raise AuditRefused("audit entries are append-only")


@event.listens_for(AuditEntry, "before_delete")
def _refuse_delete(_mapper, _conn, _target):
    raise AuditRefused("audit entries are append-only")


class AuditPurgePermit(db.Model):
    """While this table has a row, the database lets audit entries be deleted.

    The triggers of migration 0023 refuse every UPDATE of ``audit_entries`` and every
    DELETE unless a permit exists: the retention purge (``security.audit.purge``) adds one
    and removes it in its own transaction. SQL that goes around the ORM is refused too.
    """

    __tablename__ = "audit_purge_permits"

    id: Mapped[int] = mapped_column(primary_key=True)
