"""Reads of the selections area: lists, progress, hits to work on, report figures."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session, aliased, joinedload

from ..errors import NotFound
from .models import (
    OUTCOMES,
    RULES,
    ImportJob,
    MappingProfile,
    Selection,
    SelectionDecision,
    SelectionHit,
    SelectionIssue,
    SelectionRow,
)

PAGE_SIZE = 50


def get_selection(session: Session, selection_id: int) -> Selection:
    selection = session.get(Selection, selection_id)
    if selection is None:
        raise NotFound("Селекция не найдена")
    return selection


def get_profile(session: Session, profile_id: int) -> MappingProfile:
    profile = session.get(MappingProfile, profile_id)
    if profile is None:
        raise NotFound("Профиль не найден")
    return profile


def list_selections(session: Session, *, period: str | None = None, limit: int = 100):
    query = select(Selection).options(joinedload(Selection.imported_by)).order_by(
        Selection.id.desc()).limit(limit)
    if period:
        query = query.where(Selection.period == period)
    return session.scalars(query).all()


def list_profiles(session: Session):
    return session.scalars(select(MappingProfile).order_by(
        MappingProfile.source, MappingProfile.name)).all()


def latest_job(session: Session, selection_id: int) -> ImportJob | None:
    return session.scalar(select(ImportJob).where(ImportJob.selection_id == selection_id)
                          .order_by(ImportJob.id.desc()).limit(1))


def issues(session: Session, selection_id: int, limit: int = 200):
    return session.scalars(select(SelectionIssue).where(
        SelectionIssue.selection_id == selection_id).order_by(SelectionIssue.line_no)
        .limit(limit)).all()


@dataclass
class Stats:
    """Figures of one selection or a period, for the page and the reports."""

    rows_total: int = 0
    rows_good: int = 0
    rows_bad: int = 0
    hits: int = 0
    by_rule: dict[str, int] = field(default_factory=dict)
    by_outcome: dict[str, int] = field(default_factory=dict)
    candidates: int = 0
    rejected: int = 0
    processed: int = 0
    pending: int = 0

    @property
    def to_work(self) -> int:
        return self.processed + self.pending

    @property
    def percent(self) -> int:
        return int(self.processed * 100 / self.to_work) if self.to_work else 100


def stats(session: Session, selection_ids: list[int]) -> Stats:
    """Counts by rule, outcome and state, computed in the database."""
    result = Stats()
    if not selection_ids:
        return result
    totals = session.execute(select(
        func.coalesce(func.sum(Selection.rows_total), 0),
        func.coalesce(func.sum(Selection.rows_good), 0),
        func.coalesce(func.sum(Selection.rows_bad), 0),
    ).where(Selection.id.in_(selection_ids))).one()
    result.rows_total, result.rows_good, result.rows_bad = (int(v) for v in totals)
    h = SelectionHit
    in_scope = h.selection_id.in_(selection_ids)
    result.by_rule = {rule: 0 for rule in RULES}
    for rule, count in session.execute(select(h.rule, func.count()).where(
            in_scope, h.status != "rejected").group_by(h.rule)):
        result.by_rule[rule] = count
    result.by_outcome = {o: 0 for o in OUTCOMES}
    for outcome, count in session.execute(select(h.outcome, func.count()).where(
            in_scope, h.outcome.is_not(None)).group_by(h.outcome)):
        result.by_outcome[outcome] = count
    for status, count, processed in session.execute(select(
            h.status, func.count(), func.count(h.processed_at)).where(
            in_scope).group_by(h.status)):
        if status == "rejected":
            result.rejected += count
            continue
        result.hits += count
        if status == "candidate":
            result.candidates += count
        result.processed += processed
        result.pending += count - processed
    return result


def actions(session: Session, selection_id: int) -> list[tuple[str, int, int]]:
    """(action, hits, processed) of a selection — the groups of the work list."""
    h = SelectionHit
    return [tuple(r) for r in session.execute(select(
        h.action, func.count(), func.count(h.processed_at)).where(
        h.selection_id == selection_id, h.status != "rejected").group_by(h.action)
        .order_by(h.action))]


def hits(session: Session, selection_id: int, *, state: str = "pending",
         action: str | None = None, user_id: int | None = None, mine: bool = False,
         group: str | None = None, page: int = 1):
    """A page of hits to work on, filtered; returns (hits, total)."""
    h = SelectionHit
    query = select(h).where(h.selection_id == selection_id)
    if group in GROUPS:
        query = query.where(h.rule.in_([r for r, g in RULE_GROUP.items() if g == group]))
    if state == "pending":
        query = query.where(h.processed_at.is_(None), h.status != "rejected")
    elif state == "candidates":
        query = query.where(h.status == "candidate")
    elif state == "processed":
        query = query.where(h.processed_at.is_not(None))
    elif state == "rejected":
        query = query.where(h.status == "rejected")
    if action:
        query = query.where(h.action == action)
    if mine and user_id:
        query = query.where((h.processed_by_id == user_id) | (h.decided_by_id == user_id))
    total = session.scalar(select(func.count()).select_from(query.subquery()))
    rows = session.scalars(query.options(
        joinedload(h.row), joinedload(h.applicant), joinedload(h.processed_by))
        .order_by(h.action, h.confidence.desc(), h.id)
        .offset((max(page, 1) - 1) * PAGE_SIZE).limit(PAGE_SIZE)).all()
    return rows, total


def undoable(session: Session, hit_ids: list[int], *, user_id: int, today: date) -> set[int]:
    """Hits whose latest standing decision this user made today (they may undo it)."""
    if not hit_ids:
        return set()
    d = SelectionDecision
    latest = select(d.hit_id, func.max(d.id).label("id")).where(
        d.hit_id.in_(hit_ids), d.undone_at.is_(None)).group_by(d.hit_id).subquery()
    rows = session.execute(select(d.hit_id, d.made_at).join(latest, latest.c.id == d.id)
                           .where(d.made_by_id == user_id))
    return {hit_id for hit_id, made_at in rows if made_at.date() == today}


def decisions(session: Session, hit_id: int):
    """Every decision on a hit, undone ones included, oldest first."""
    return session.scalars(select(SelectionDecision).where(
        SelectionDecision.hit_id == hit_id).order_by(SelectionDecision.id)).all()


def applicant_hits(session: Session, applicant_id: int, limit: int = 20):
    """Hits that concern one applicant (for the applicant's card), newest first."""
    h = SelectionHit
    return session.scalars(select(h).join(Selection, Selection.id == h.selection_id).where(
        h.applicant_id == applicant_id, h.status != "rejected", Selection.status == "done")
        .options(joinedload(h.row), joinedload(h.selection))
        .order_by(h.id.desc()).limit(limit)).all()


def counted_selections(*conditions):
    """Ids of the selections a report counts: loaded, and each file once.

    Drafts, refused, failed and cancelled uploads are not selections received; a file
    loaded again (the same content hash) is the selection loaded first.
    """
    earlier = aliased(Selection)
    loaded_before = exists().where(earlier.sha256 == Selection.sha256,
                                   earlier.status == "done", earlier.id < Selection.id)
    return select(Selection.id).where(Selection.status == "done", ~loaded_before,
                                      *conditions)


def period_selection_ids(session: Session, period: str) -> list[int]:
    return list(session.scalars(counted_selections(Selection.period == period)
                                .order_by(Selection.id)))


def report_hits(session: Session, selection_ids: list[int]):
    """Every non-rejected hit of the selections, for the XLSX list (streamed)."""
    h = SelectionHit
    return session.scalars(select(h).where(
        h.selection_id.in_(selection_ids), h.status != "rejected")
        .options(joinedload(h.row), joinedload(h.applicant), joinedload(h.processed_by))
        .order_by(h.selection_id, h.id)).all()



# The four groups a specialist acts on: how each hit rule is grouped.
GROUPS = {"auto": "сопоставлены автоматически", "candidates": "кандидаты — подтвердить",
          "conflicts": "конфликты: СНИЛС совпал, ФИО другое",
          "not_found": "не найдены среди получателей"}
RULE_GROUP = {"snils": "auto", "name_birth": "auto", "fuzzy_name": "candidates",
              "snils_other_name": "conflicts"}


def groups(session: Session, selection_id: int) -> dict[str, int]:
    """Lines per group: hits by rule (not rejected) and the lines with no hit at all."""
    h = SelectionHit
    result = dict.fromkeys(GROUPS, 0)
    for rule, count in session.execute(select(h.rule, func.count(func.distinct(h.row_id)))
                                       .where(h.selection_id == selection_id,
                                              h.status != "rejected").group_by(h.rule)):
        result[RULE_GROUP.get(rule, "auto")] += count
    result["not_found"] = session.scalar(select(func.count()).select_from(
        _unmatched_query(selection_id).subquery())) or 0
    return result


def _unmatched_query(selection_id: int):
    r, h = SelectionRow, SelectionHit
    live_hit = exists().where(h.row_id == r.id, h.status != "rejected")
    rejected = exists().where(h.row_id == r.id, h.status == "rejected")
    return select(r, rejected.label("rejected")).where(
        r.selection_id == selection_id, ~live_hit)


def unmatched_reason(row: SelectionRow, rejected: bool) -> str:
    """Why a line found no recipient, in the words of the page and the XLSX."""
    if rejected:
        return "совпадение отклонено специалистом"
    if row.match_note == "not_recipient":
        return "заявитель найден, но действующего личного дела нет (не получатель)"
    keys = []
    if row.snils:
        keys.append("СНИЛС")
    if row.name_key and row.birth_date:
        keys.append("ФИО с датой рождения")
    return "нет среди заявителей: " + " и ".join(keys) + " не найдены"


def unmatched(session: Session, selection_id: int, *, page: int = 1):
    """A page of (line, reason) not found among the recipients, by line; and the total."""
    query = _unmatched_query(selection_id)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.execute(query.order_by(SelectionRow.line_no)
                           .offset((max(page, 1) - 1) * PAGE_SIZE).limit(PAGE_SIZE)).all()
    return [(row, unmatched_reason(row, rejected)) for row, rejected in rows], total


def report_unmatched(session: Session, selection_ids: list[int]):
    """Every line not found, with its reason, for the XLSX (streamed in chunks)."""
    r, h = SelectionRow, SelectionHit
    live_hit = exists().where(h.row_id == r.id, h.status != "rejected")
    rejected = exists().where(h.row_id == r.id, h.status == "rejected")
    result = session.execute(select(r, rejected).where(
        r.selection_id.in_(selection_ids), ~live_hit).order_by(r.selection_id, r.line_no)
        .execution_options(yield_per=2000))
    for row, was_rejected in result:
        yield row, unmatched_reason(row, was_rejected)


def report_issues(session: Session, selection_ids: list[int]):
    """Every refused line of the selections (the specialist accounts for them too)."""
    return session.execute(select(SelectionIssue.selection_id, SelectionIssue.line_no,
                                  SelectionIssue.reason).where(
        SelectionIssue.selection_id.in_(selection_ids))
        .order_by(SelectionIssue.selection_id, SelectionIssue.line_no)).all()
