"""Selections (селекции): incoming СФР/ЦЗН lists, their rows, hits and the work on them."""

from __future__ import annotations

import json
from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core import clock
from ..core.text import format_date
from ..database import MappingJson
from ..extensions import db

SOURCES = {"sfr": "СФР (Пенсионный фонд)", "czn": "ЦЗН (Центр занятости)"}

# Fields of an incoming row that a column can be mapped to.
FIELDS = {
    "snils": "СНИЛС",
    "full_name": "ФИО одной строкой",
    "surname": "Фамилия",
    "name": "Имя",
    "patronymic": "Отчество",
    "birth_date": "Дата рождения",
    "event_type": "Тип события",
    "event_date": "Дата события",
}

SELECTION_STATUSES = {
    "draft": "загружен, ждёт сопоставления столбцов",
    "queued": "в очереди",
    "running": "загружается",
    "invalid": "есть ошибки в строках",
    "done": "загружена",
    "failed": "ошибка загрузки",
    "unreadable": "файл не читается",
    "cancelled": "отменена",
}

RULES = {
    "snils": ("СНИЛС совпал", 100),
    "name_birth": ("ФИО и дата рождения совпали", 90),
    "fuzzy_name": ("ФИО отличается одной буквой, дата рождения совпала", 70),
    "snils_other_name": ("СНИЛС совпал, ФИО другое", 60),
}
AUTO_RULES = ("snils", "name_birth")
HIT_STATUSES = {"confirmed": "подтверждено", "candidate": "требует подтверждения",
                "rejected": "отклонено"}
OUTCOMES = {
    "suspended": "выплата приостановлена",
    "docs_requested": "запрошены документы",
    "not_required": "не требуется",
}
DEFAULT_ACTION = "Проверить основания выплаты"
# How a bulk decision asks: «Приостановить выплату по 37 строкам?»
OUTCOME_VERBS = {
    "suspended": "Приостановить выплату",
    "docs_requested": "Запросить документы",
    "not_required": "Отметить «не требуется»",
}
DECISION_KINDS = {"confirm": "совпадение подтверждено", "reject": "совпадение отклонено",
                  "outcome": "записан результат"}


class MappingProfile(MappingJson, db.Model):
    """A named column mapping for one source's file layout (e.g. «СФР — умершие»)."""

    __tablename__ = "selection_profiles"
    __table_args__ = (
        UniqueConstraint("source", "name", name="uq_selection_profiles_source_name"),
        CheckConstraint("source IN ('sfr', 'czn')", name="source_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(10))
    name: Mapped[str] = mapped_column(String(120))
    mapping_json: Mapped[str] = mapped_column(Text, default="{}")
    # Lines "тип события = действие"; an empty event type is the default action.
    actions_json: Mapped[str] = mapped_column(Text, default="{}")
    default_action: Mapped[str] = mapped_column(String(200), default=DEFAULT_ACTION)
    active: Mapped[bool] = mapped_column(default=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    last_used_at: Mapped[datetime | None]


    @property
    def actions(self) -> dict[str, str]:
        return json.loads(self.actions_json or "{}")

    @actions.setter
    def actions(self, value: dict[str, str]) -> None:
        self.actions_json = json.dumps(value, ensure_ascii=False, sort_keys=True)

    @property
    def source_name(self) -> str:
        return SOURCES.get(self.source, self.source)


class Selection(db.Model):
    """One received file (селекция) and the state of its import."""

    __tablename__ = "selections"
    __table_args__ = (
        CheckConstraint("source IN ('sfr', 'czn')", name="source_known"),
        Index("ix_selections_period", "period"),
        Index("ix_selections_sha256", "sha256"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(10))
    period: Mapped[str] = mapped_column(String(7))  # "гггг-мм"
    filename: Mapped[str] = mapped_column(String(255))
    file_format: Mapped[str] = mapped_column(String(10))
    file_size: Mapped[int] = mapped_column(default=0)
    sha256: Mapped[str] = mapped_column(String(64))
    stored_path: Mapped[str | None] = mapped_column(String(500))
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("selections.id"))
    encoding: Mapped[str] = mapped_column(String(20), default="auto")
    delimiter: Mapped[str] = mapped_column(String(5), default="auto")
    profile_id: Mapped[int | None] = mapped_column(ForeignKey("selection_profiles.id"))
    mapping_json: Mapped[str] = mapped_column(Text, default="{}")
    accept_partial: Mapped[bool] = mapped_column(default=False)
    status: Mapped[str] = mapped_column(String(12), default="draft")
    rows_total: Mapped[int] = mapped_column(default=0)
    rows_good: Mapped[int] = mapped_column(default=0)
    rows_bad: Mapped[int] = mapped_column(default=0)
    error: Mapped[str | None] = mapped_column(Text)
    imported_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    imported_at: Mapped[datetime] = mapped_column(default=clock.now)
    finished_at: Mapped[datetime | None]

    imported_by = relationship("User", foreign_keys=[imported_by_id])
    profile: Mapped[MappingProfile | None] = relationship()
    duplicate_of: Mapped[Selection | None] = relationship(remote_side=[id])

    @property
    def mapping(self) -> dict[str, str]:
        return json.loads(self.mapping_json or "{}")

    @property
    def source_name(self) -> str:
        return SOURCES.get(self.source, self.source)

    @property
    def status_name(self) -> str:
        return SELECTION_STATUSES.get(self.status, self.status)

    @property
    def period_label(self) -> str:
        year, _, month = self.period.partition("-")
        return f"{month}.{year}"


class SelectionIssue(db.Model):
    """A bad line of a file: its number and why it was refused."""

    __tablename__ = "selection_issues"

    id: Mapped[int] = mapped_column(primary_key=True)
    selection_id: Mapped[int] = mapped_column(
        ForeignKey("selections.id", ondelete="CASCADE"), index=True)
    line_no: Mapped[int]
    reason: Mapped[str] = mapped_column(Text)


class SelectionRow(db.Model):
    """A staged incoming row with its normalised keys (loaded in bulk)."""

    __tablename__ = "selection_rows"
    __table_args__ = (
        Index("ix_selection_rows_selection_snils", "selection_id", "snils"),
        Index("ix_selection_rows_selection_birth_key", "selection_id", "birth_date",
              "name_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    selection_id: Mapped[int] = mapped_column(ForeignKey("selections.id", ondelete="CASCADE"))
    line_no: Mapped[int]
    snils: Mapped[str | None] = mapped_column(String(11))
    surname: Mapped[str | None] = mapped_column(String(100))
    name: Mapped[str | None] = mapped_column(String(100))
    patronymic: Mapped[str | None] = mapped_column(String(100))
    birth_date: Mapped[date | None]
    event_type: Mapped[str | None] = mapped_column(String(200))
    event_date: Mapped[date | None]
    # normalize_person_key(surname + name + patronymic): no case, ё/е, spaces or hyphens.
    name_key: Mapped[str | None] = mapped_column(String(300))
    extra_json: Mapped[str | None] = mapped_column(Text)
    # Why a row found no recipient, when it is not plain absence: 'not_recipient' (an
    # applicant with this СНИЛС or name and birth date exists, without an active file).
    match_note: Mapped[str | None] = mapped_column(String(20))

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.surname, self.name, self.patronymic) if p)

    @property
    def extra(self) -> dict:
        return json.loads(self.extra_json) if self.extra_json else {}


class SelectionHit(db.Model):
    """An incoming row matched to one of the office's recipients, and the work on it."""

    __tablename__ = "selection_hits"
    __table_args__ = (
        UniqueConstraint("row_id", "applicant_id", name="uq_selection_hits_row_applicant"),
        CheckConstraint("status IN ('confirmed', 'candidate', 'rejected')", name="status_known"),
        Index("ix_selection_hits_selection_status", "selection_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    selection_id: Mapped[int] = mapped_column(ForeignKey("selections.id", ondelete="CASCADE"))
    row_id: Mapped[int] = mapped_column(ForeignKey("selection_rows.id", ondelete="CASCADE"))
    applicant_id: Mapped[int] = mapped_column(ForeignKey("applicants.id"), index=True)
    rule: Mapped[str] = mapped_column(String(20))
    confidence: Mapped[int]
    status: Mapped[str] = mapped_column(String(10))
    action: Mapped[str] = mapped_column(String(200), default=DEFAULT_ACTION)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None]
    outcome: Mapped[str | None] = mapped_column(String(20))
    comment: Mapped[str | None] = mapped_column(Text)
    processed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    processed_at: Mapped[datetime | None]

    selection: Mapped[Selection] = relationship()
    row: Mapped[SelectionRow] = relationship()
    applicant = relationship("Applicant")
    processed_by = relationship("User", foreign_keys=[processed_by_id])
    decided_by = relationship("User", foreign_keys=[decided_by_id])

    @property
    def rule_name(self) -> str:
        return RULES.get(self.rule, (self.rule, 0))[0]

    @property
    def status_name(self) -> str:
        return HIT_STATUSES.get(self.status, self.status)

    @property
    def outcome_name(self) -> str:
        return OUTCOMES.get(self.outcome or "", "")

    @property
    def processed_label(self) -> str:
        return format_date(self.processed_at.date()) if self.processed_at else ""


class SelectionDecision(db.Model):
    """A specialist's decision on a hit, kept when undone (who undid it and when).

    An undo reverts the hit and marks the decision; the row itself is never deleted, so
    the audit and the list of decisions show both the decision and its undoing.
    """

    __tablename__ = "selection_decisions"
    __table_args__ = (
        CheckConstraint("kind IN ('confirm', 'reject', 'outcome')", name="kind_known"),
        Index("ix_selection_decisions_hit_id", "hit_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    hit_id: Mapped[int] = mapped_column(ForeignKey("selection_hits.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(10))
    outcome: Mapped[str | None] = mapped_column(String(20))
    comment: Mapped[str | None] = mapped_column(Text)
    # Rows decided together in one bulk decision share its size (None: one row).
    bulk_count: Mapped[int | None]
    made_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    made_at: Mapped[datetime]
    undone_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    undone_at: Mapped[datetime | None]

    hit: Mapped[SelectionHit] = relationship()
    made_by = relationship("User", foreign_keys=[made_by_id])
    undone_by = relationship("User", foreign_keys=[undone_by_id])

    @property
    def kind_name(self) -> str:
        return DECISION_KINDS.get(self.kind, self.kind)


JOB_STATUSES = ("queued", "running", "done", "failed", "invalid", "cancelled")
ACTIVE_JOB = "status IN ('queued', 'running')"


class ImportJob(db.Model):
    """A background import of a selection: its state, worker, heartbeat and progress.

    At most one queued or running job per selection (a partial unique index): two
    workers can never load the same selection at once.
    """

    __tablename__ = "selection_jobs"
    __table_args__ = (
        Index("uq_selection_jobs_active", "selection_id", unique=True,
              sqlite_where=text(ACTIVE_JOB), postgresql_where=text(ACTIVE_JOB)),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    selection_id: Mapped[int] = mapped_column(
        ForeignKey("selections.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(10), default="queued")
    phase: Mapped[str] = mapped_column(String(100), default="в очереди")
    processed: Mapped[int] = mapped_column(default=0)
    total: Mapped[int] = mapped_column(default=0)
    message: Mapped[str | None] = mapped_column(Text)
    started_at: Mapped[datetime | None]
    heartbeat_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    # "host:pid" of the worker process that claimed the job.
    worker: Mapped[str | None] = mapped_column(String(100))
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    cancel_requested: Mapped[bool] = mapped_column(default=False, server_default=false())
    phase_started_at: Mapped[datetime | None]

    @property
    def percent(self) -> int:
        if self.status in ("done",):
            return 100
        if not self.total:
            return 0
        return max(0, min(100, int(self.processed * 100 / self.total)))

    @property
    def finished(self) -> bool:
        return self.status in ("done", "failed", "invalid", "cancelled")

    def remaining_seconds(self, now: datetime) -> int | None:
        """Time left in the current phase at its pace so far (None: too early to say)."""
        if not (self.phase_started_at and self.total and self.processed) or self.finished:
            return None
        elapsed = (now - self.phase_started_at).total_seconds()
        if elapsed < 1:
            return None
        return max(0, round(elapsed * (self.total - self.processed) / self.processed))


class JobWorker(db.Model):
    """A worker process (``flask --app app worker``) and its last sign of life.

    The worker beats here while it polls for jobs (a job's own heartbeat is on the job),
    and removes its row when it stops; ``/healthz`` reads it.
    """

    __tablename__ = "selection_workers"

    # "host:pid", as ImportJob.worker.
    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    started_at: Mapped[datetime]
    beat_at: Mapped[datetime] = mapped_column(index=True)
