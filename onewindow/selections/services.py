"""Writes of the selections area: uploads, mapping profiles, import settings, decisions."""

from __future__ import annotations

import hashlib
import json
import re
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..core import clock
from ..core.filetypes import KINDS, FileTypeMismatch, check_content
from ..core.tables import DELIMITERS, ENCODINGS, FileProblem, file_format, resolve_encoding
from ..core.text import format_date, plural_ru
from ..errors import Conflict, InvalidInput, NotFound
from .models import (
    DEFAULT_ACTION,
    FIELDS,
    OUTCOME_VERBS,
    OUTCOMES,
    SOURCES,
    ImportJob,
    MappingProfile,
    Selection,
    SelectionDecision,
    SelectionHit,
)
from .parsing import missing_columns

_PERIOD_RE = re.compile(r"(\d{1,2})\.(\d{4})")


def parse_period(text: str) -> str:
    """'05.2026' → '2026-05'."""
    m = _PERIOD_RE.fullmatch((text or "").strip())
    if not m or not 1 <= int(m.group(1)) <= 12:
        raise InvalidInput("Укажите период как мм.гггг, например 05.2026", field="period")
    return f"{m.group(2)}-{int(m.group(1)):02d}"


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def find_duplicate(session: Session, sha256: str, *, exclude_id: int | None = None):
    query = select(Selection).where(Selection.sha256 == sha256,
                                    Selection.status.not_in(("cancelled", "draft")))
    if exclude_id:
        query = query.where(Selection.id != exclude_id)
    return session.scalar(query.order_by(Selection.id).limit(1))


def register_upload(session: Session, *, source: str, period: str, filename: str,
                    stored_path: Path, user_id: int | None, now: datetime,
                    encoding: str = "auto", delimiter: str = "auto") -> Selection:
    """Record an uploaded file (not yet imported): checksum, size, duplicate flag.

    The content must match the name (text for .csv/.txt, OOXML for .xlsx, a DBF header
    for .dbf): a picture renamed to .csv is refused here, before anyone maps it.
    """
    if source not in SOURCES:
        raise InvalidInput("Выберите источник", field="source")
    if encoding not in ENCODINGS:
        raise InvalidInput("Неизвестная кодировка", field="encoding")
    if delimiter not in DELIMITERS:
        raise InvalidInput("Неизвестный разделитель", field="delimiter")
    try:
        fmt = file_format(filename)
    except FileProblem as exc:
        raise InvalidInput(str(exc), field="file") from exc
    size = stored_path.stat().st_size
    if size == 0:
        raise InvalidInput("Файл пуст", field="file")
    try:
        check_content(stored_path, KINDS[Path(filename).suffix.lower()],
                      encodings=[e for e in ENCODINGS if e != "auto"])
    except FileTypeMismatch as exc:
        raise InvalidInput(str(exc), field="file") from exc
    sha = file_sha256(stored_path)
    duplicate = find_duplicate(session, sha)
    selection = Selection(
        source=source, period=parse_period(period), filename=Path(filename).name[:255],
        file_format=fmt, file_size=size, sha256=sha, stored_path=str(stored_path),
        duplicate_of_id=duplicate.id if duplicate else None, encoding=encoding,
        delimiter=delimiter, imported_by_id=user_id, imported_at=now, status="draft")
    session.add(selection)
    session.flush()
    return selection


def find_profile(session: Session, *, source: str, header: list[str]) -> MappingProfile | None:
    """The most recently used active profile of the source whose columns the file has."""
    profiles = session.scalars(select(MappingProfile).where(
        MappingProfile.source == source, MappingProfile.active).order_by(
        MappingProfile.last_used_at.desc().nulls_last(), MappingProfile.id.desc())).all()
    for profile in profiles:
        if profile.mapping and not missing_columns(profile.mapping, header):
            return profile
    return None


def clean_mapping(raw: dict[str, str], header: list[str]) -> dict[str, str]:
    """Keep known fields mapped to existing columns; refuse a mapping that can't match."""
    mapping = {f: c for f, c in raw.items() if f in FIELDS and c}
    missing = missing_columns(mapping, header)
    if missing:
        raise InvalidInput("В файле нет столбцов: " + ", ".join(f"«{c}»" for c in missing),
                           field="mapping")
    used = [c for c in mapping.values()]
    if len(used) != len(set(used)):
        raise InvalidInput("Один столбец сопоставлен с двумя полями", field="mapping")
    has_name = "surname" in mapping or "full_name" in mapping
    if "snils" not in mapping and not (has_name and "birth_date" in mapping):
        raise InvalidInput("Укажите столбец СНИЛС или фамилию (ФИО) и дату рождения",
                           field="mapping")
    return mapping


def save_profile(session: Session, *, source: str, name: str, mapping: dict[str, str],
                 user_id: int | None, now: datetime) -> MappingProfile:
    """Create the named profile of a source, or update its mapping."""
    name = " ".join((name or "").split())
    if not name:
        raise InvalidInput("Укажите название профиля", field="profile_name")
    profile = session.scalar(select(MappingProfile).where(
        MappingProfile.source == source, MappingProfile.name == name))
    if profile is None:
        profile = MappingProfile(source=source, name=name[:120], created_by_id=user_id,
                                 created_at=now or clock.now(), default_action=DEFAULT_ACTION)
        session.add(profile)
    profile.mapping = mapping
    profile.active = True
    session.flush()
    return profile


def parse_actions(text: str) -> dict[str, str]:
    """Lines «тип события = действие» → {event type: action}."""
    actions: dict[str, str] = {}
    for n, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        event_type, sep, action = line.partition("=")
        if not sep or not event_type.strip() or not action.strip():
            raise InvalidInput(f"Строка {n}: пишите «тип события = действие»", field="actions")
        actions[" ".join(event_type.split())] = " ".join(action.split())[:200]
    return actions


def update_profile(session: Session, profile: MappingProfile, *, actions_text: str,
                   default_action: str, active: bool) -> MappingProfile:
    profile.actions = parse_actions(actions_text)
    profile.default_action = " ".join((default_action or "").split())[:200] or DEFAULT_ACTION
    profile.active = active
    session.flush()
    return profile


def start_import(session: Session, selection: Selection, *, mapping: dict[str, str],
                 header: list[str], profile: MappingProfile | None, accept_partial: bool,
                 confirm_duplicate: bool, now: datetime) -> ImportJob:
    """Fix the mapping and queue the background import (the caller starts the thread)."""
    if selection.status not in ("draft", "invalid", "failed"):
        raise Conflict("Эта селекция уже загружается или загружена")
    mapping = clean_mapping(mapping, header)
    if selection.duplicate_of_id and not confirm_duplicate:
        raise InvalidInput("Этот файл уже загружался. Отметьте «загрузить повторно», "
                           "если это сделано намеренно", field="confirm_duplicate")
    selection.encoding = _settled_encoding(selection)
    selection.mapping_json = json.dumps(mapping, ensure_ascii=False)
    selection.profile_id = profile.id if profile else None
    selection.accept_partial = accept_partial
    selection.status = "queued"
    selection.error = None
    if profile is not None:
        profile.last_used_at = now
    job = ImportJob(selection_id=selection.id, status="queued", phase="в очереди")
    session.add(job)
    session.flush()
    return job


def _settled_encoding(selection: Selection) -> str:
    """The encoding the job will read with: a guess is recorded once, or refused if unsure.

    A file whose letters do not tell cp1251, cp866 and KOI8-R apart is not loaded on a
    guess (it would be mojibake): the specialist picks the encoding from the samples.
    """
    if selection.encoding not in ("", "auto") or selection.file_format == "xlsx":
        return selection.encoding
    try:
        detection = resolve_encoding(Path(selection.stored_path or ""), selection.file_format,
                                     "auto")
    except OSError as exc:
        raise Conflict("Загруженный файл не найден — загрузите его заново") from exc
    if not detection.confident and selection.file_format == "csv":
        raise InvalidInput("Кодировку не удалось определить уверенно: выберите её по "
                           "образцам строк", field="encoding")
    return detection.codec.removesuffix("-sig")


def mark_unreadable(session: Session, selection_id: int, *, reason: str,
                    now: datetime) -> None:
    """A draft whose file cannot be read, whatever the encoding or delimiter: failed, with
    the reason, so that its pages show the reason and never parse the file again."""
    selection = session.get(Selection, selection_id, with_for_update=True)
    if selection is None or selection.status != "draft":
        return
    selection.status = "unreadable"
    selection.error = reason
    selection.finished_at = now
    session.flush()


def cancel_selection(session: Session, selection: Selection, *, reason: str) -> str | None:
    """Cancel a selection not loaded yet; returns the stored file to delete after commit."""
    if selection.status in ("queued", "running", "done", "cancelled"):
        raise Conflict("Отменить можно только незагруженную селекцию")
    if not (reason or "").strip():
        raise InvalidInput("Укажите причину отмены", field="reason")
    selection.status = "cancelled"
    selection.error = "Отменена: " + reason.strip()
    stored, selection.stored_path = selection.stored_path, None
    session.flush()
    return stored


def purge_drafts(session: Session, *, days: int, now: datetime) -> list[str]:
    """Cancel the drafts uploaded more than ``days`` ago; returns their files to delete.

    A draft is a file nobody mapped and loaded: not a selection received. It is
    cancelled with the reason (the row and its audit stay, as every cancellation) and
    the caller deletes its file once this is committed.
    """
    if days < 1:
        raise InvalidInput("Срок хранения черновиков — не меньше одного дня", field="days")
    drafts = session.scalars(select(Selection).where(
        Selection.status == "draft", Selection.imported_at < now - timedelta(days=days))
        .order_by(Selection.id)).all()
    files = []
    for selection in drafts:
        stored = cancel_selection(
            session, selection,
            reason=f"черновик не сопоставлен и не загружен за {days} дн., удалён автоматически")
        if stored:
            files.append(stored)
    return files


# ------------------------------------------------------------------ hits


def get_hit(session: Session, hit_id: int) -> SelectionHit:
    hit = session.get(SelectionHit, hit_id)
    if hit is None:
        raise NotFound("Совпадение не найдено")
    return hit


def check_decision(hit: SelectionHit, *, confirm: bool | None = None,
                   outcome: str | None = None) -> None:
    """Refuse a decision the hit cannot take (before it is asked to be confirmed)."""
    if confirm is not None:
        if hit.processed_at is not None:
            raise Conflict("По совпадению уже записан результат")
        if hit.status != "candidate":
            raise Conflict("Совпадение уже " + hit.status_name)
        return
    if outcome not in OUTCOMES:
        raise InvalidInput("Выберите результат", field="outcome")
    if hit.status == "rejected":
        raise Conflict("Совпадение отклонено — отрабатывать нечего")
    if hit.status == "candidate":
        raise Conflict("Сначала подтвердите или отклоните совпадение")
    if hit.processed_at is not None:
        raise Conflict("По совпадению уже записан результат; если он ошибочен, отмените его")


def decide_hit(session: Session, hit: SelectionHit, *, confirm: bool, user_id: int,
               now: datetime) -> SelectionHit:
    """Confirm or reject a candidate match (undoable the same day by the same user)."""
    check_decision(hit, confirm=confirm)
    hit.status = "confirmed" if confirm else "rejected"
    hit.decided_by_id, hit.decided_at = user_id, now
    session.add(SelectionDecision(hit_id=hit.id, kind="confirm" if confirm else "reject",
                                  made_by_id=user_id, made_at=now))
    session.flush()
    return hit


def record_outcome(session: Session, hit: SelectionHit, *, outcome: str, comment: str | None,
                   user_id: int, now: datetime, bulk_count: int | None = None
                   ) -> SelectionHit:
    """Record what was done about a confirmed hit (отработка), undoable the same day."""
    check_decision(hit, outcome=outcome)
    hit.outcome = outcome
    hit.comment = (comment or "").strip() or None
    hit.processed_by_id, hit.processed_at = user_id, now
    session.add(SelectionDecision(hit_id=hit.id, kind="outcome", outcome=outcome,
                                  comment=hit.comment, bulk_count=bulk_count,
                                  made_by_id=user_id, made_at=now))
    session.flush()
    return hit


def last_decision(session: Session, hit_id: int) -> SelectionDecision | None:
    """The hit's latest decision not undone (what an undo would revert)."""
    return session.scalar(select(SelectionDecision).where(
        SelectionDecision.hit_id == hit_id, SelectionDecision.undone_at.is_(None))
        .order_by(SelectionDecision.id.desc()).limit(1))


def undo_decision(session: Session, hit: SelectionHit, *, user_id: int,
                  now: datetime) -> SelectionDecision:
    """Revert the hit's latest decision: only its author, only on the office day it was made.

    The decision stays, marked with who undid it and when (the audit sees both).
    """
    decision = last_decision(session, hit.id)
    if decision is None:
        raise Conflict("Отменять нечего: по этой строке нет решения")
    if decision.made_by_id != user_id:
        raise Conflict("Отменить решение может только специалист, который его записал")
    if decision.made_at.date() != now.date():
        raise Conflict(f"Решение записано {format_date(decision.made_at.date())}: отменить "
                       "его можно только в тот же день")
    if decision.kind == "outcome":
        hit.outcome = hit.comment = None
        hit.processed_by_id = hit.processed_at = None
    else:
        if hit.processed_at is not None:
            raise Conflict("Сначала отмените записанный результат")
        hit.status = "candidate"
        hit.decided_by_id = hit.decided_at = None
    decision.undone_by_id, decision.undone_at = user_id, now
    session.flush()
    return decision


def bulk_targets(session: Session, selection_id: int, *, action: str | None):
    """Confirmed hits of a selection still to work (of one action, if given), by id."""
    h = SelectionHit
    query = select(h).where(h.selection_id == selection_id, h.status == "confirmed",
                            h.processed_at.is_(None))
    if action:
        query = query.where(h.action == action)
    return session.scalars(query.order_by(h.id)).all()


def bulk_question(outcome: str, count: int) -> str:
    """«Приостановить выплату по 37 строкам?»"""
    if outcome not in OUTCOMES:
        raise InvalidInput("Выберите результат", field="outcome")
    if not count:
        raise Conflict("В этом списке нет подтверждённых совпадений, ждущих результата")
    rows = plural_ru(count, ("строке", "строкам", "строкам"))
    return f"{OUTCOME_VERBS[outcome]} по {count} {rows}?"


def record_bulk_outcome(session: Session, selection_id: int, *, action: str | None,
                        outcome: str, comment: str | None, expected: int, user_id: int,
                        now: datetime) -> int:
    """Record one outcome for every hit the specialist was asked about (by count).

    If the list changed since the question (someone else worked a row), nothing is
    recorded: the specialist is asked again with the new count.
    """
    targets = bulk_targets(session, selection_id, action=action)
    bulk_question(outcome, len(targets))
    if len(targets) != expected:
        raise Conflict(f"Список изменился: теперь строк {len(targets)}, а не {expected}. "
                       "Проверьте и подтвердите снова")
    for hit in targets:
        record_outcome(session, hit, outcome=outcome, comment=comment, user_id=user_id,
                       now=now, bulk_count=len(targets))
    return len(targets)
