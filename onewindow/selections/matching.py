"""Matching a loaded selection against the office's recipients, as set operations.

Recipients are applicants who have an active case file (:func:`recipient_ids`). Both
sides carry the same person key — the full name casefolded, ё→е, without spaces or
hyphens (:func:`~onewindow.core.text.normalize_person_key`): ``selection_rows.name_key``
written at load, ``applicants.name_key`` a column the database computes from
``search_name`` on every write (so it never goes stale) and indexes with the birth date.

Rules, in order; a row matched by an earlier rule is not offered to later ones:
1. ``snils`` — same СНИЛС and same name (or no name in the file): confirmed;
2. ``name_birth`` — same person key and birth date: confirmed;
3. ``snils_other_name`` — same СНИЛС, different name: candidate for a click;
4. ``fuzzy_name`` — birth date equal and the names one letter apart: candidate.

How: the hits nobody decided or worked on are deleted; those left are kept, and their
rows are not offered again. Each rule is then one ``INSERT … SELECT`` joining the rows
still without a hit to the recipients on an indexed key (the database's own join: a hash
join on PostgreSQL, index lookups on SQLite), so a row taken by an earlier rule has a hit
and drops out of the next. Rule 4 lets SQL narrow the pairs (same birth date, first or
last six letters of the key equal — one edit always leaves one of them intact in a key of
twelve letters or more, shorter keys meet everyone born that day — length within one,
key different; ``applicants.name_head`` / ``name_tail`` are indexed with the birth date
for it) and checks :func:`one_edit_apart` in Python on those few pairs
only. Finally two ``UPDATE``\\ s note the rows still without a hit that found an
applicant without an active case file (``match_note = 'not_recipient'``), so the list of
lines not found can say why. No applicant passes through Python.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable

from sqlalchemy import (
    and_,
    delete,
    exists,
    func,
    insert,
    literal,
    or_,
    select,
    text,
    union,
    update,
)
from sqlalchemy.orm import Session

from ..applicants.models import Applicant
from ..archive.models import CaseFile
from ..database import is_postgres
from .models import AUTO_RULES, DEFAULT_ACTION, RULES, Selection, SelectionHit, SelectionRow

RULE_ORDER = ("snils", "name_birth", "snils_other_name", "fuzzy_name")
INSERT_CHUNK = 5_000
FUZZY_CHUNK = 20_000

# tick(rules_done, rows_matched) after each rule: the job's counter.
Tick = Callable[[int, int], None]


def recipient_ids():
    """Applicants the office pays: those with an active case file (a subquery)."""
    return select(CaseFile.applicant_id).where(CaseFile.status == "active")


def one_edit_apart(a: str, b: str) -> bool:
    """True when a and b differ by exactly one substitution, insertion or deletion."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b, strict=True)) == 1
    if len(a) > len(b):
        a, b = b, a
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    return a[i:] == b[i + 1:]


def _is_recipient(applicant_id):
    return exists().where(CaseFile.applicant_id == applicant_id, CaseFile.status == "active")


def _open(row_id):
    """The row has no hit (after the untouched ones are gone: none kept, none taken)."""
    return ~exists().where(SelectionHit.row_id == row_id)


# One edit at position p leaves the first NEAR letters intact when p >= NEAR, and the last
# NEAR when p < NEAR <= n - NEAR: keys of 2 * NEAR letters or more are always caught by
# one of the two (applicants.name_head / name_tail). Three letters, the first idea, left
# the tail to the patronymic's ending («вна», «вич»), shared by many born that day.
NEAR = 6


def _head(key):
    """The first NEAR letters of a key, as ``applicants.name_head`` is computed."""
    return func.substr(key, 1, NEAR)


def _tail(key):
    """The last NEAR letters, as ``applicants.name_tail`` is computed."""
    return func.substr(key, func.length(key) - (NEAR - 1))


def _hit_columns(selection_id: int, rule: str):
    _label, confidence = RULES[rule]
    status = "confirmed" if rule in AUTO_RULES else "candidate"
    return (literal(selection_id), literal(rule), literal(confidence), literal(status),
            literal(DEFAULT_ACTION))


HIT_COLUMNS = ("selection_id", "rule", "confidence", "status", "action", "row_id",
               "applicant_id")


def _pairs(selection_id: int, rule: str, join_on, *where):
    """SELECT the hit values of one rule's (open row, recipient) pairs."""
    r, a = SelectionRow, Applicant
    return (select(*_hit_columns(selection_id, rule), r.id, a.id)
            .select_from(r).join(a, join_on)
            .where(r.selection_id == selection_id, _open(r.id), _is_recipient(a.id), *where))


def exact_rule_query(selection_id: int, rule: str):
    """Rules 1–3 as one SELECT each: the hit values to insert."""
    r, a = SelectionRow, Applicant
    if rule == "snils":
        return _pairs(selection_id, rule, a.snils == r.snils,
                      or_(r.name_key.is_(None), r.name_key == a.name_key))
    if rule == "name_birth":
        return _pairs(selection_id, rule,
                      and_(a.birth_date == r.birth_date, a.name_key == r.name_key))
    if rule == "snils_other_name":
        return _pairs(selection_id, rule, a.snils == r.snils,
                      r.name_key.is_not(None), r.name_key != a.name_key)
    raise ValueError(rule)


def _insert_exact(session: Session, sid: int, rule: str) -> int:
    """INSERT … SELECT the pairs of rule 1, 2 or 3; returns hits added."""
    # rowcount of an INSERT is kept only when asked for (SQLAlchemy 2).
    return session.execute(insert(SelectionHit).from_select(
        HIT_COLUMNS, exact_rule_query(sid, rule))
        .execution_options(preserve_rowcount=True)).rowcount


def fuzzy_query(selection_id: int):
    """(row, its key, recipient, its key) pairs that may be one edit apart.

    Indexed equi-joins on (birth date, first six letters) and on (birth date, last six
    letters), united; a key shorter than twelve letters (rare: «Ли Ян») is compared with
    everyone born that day. Then lengths within one and keys different.
    """
    r, a = SelectionRow, Applicant
    long_key = func.length(r.name_key) >= 2 * NEAR
    return union(*[
        select(r.id.label("row_id"), r.name_key.label("row_key"), a.id.label("applicant_id"),
               a.name_key.label("applicant_key")).select_from(r)
        .join(a, and_(a.birth_date == r.birth_date, *near))
        .where(r.selection_id == selection_id, r.name_key.is_not(None), _open(r.id),
               a.name_key != r.name_key,
               func.abs(func.length(a.name_key) - func.length(r.name_key)) <= 1,
               _is_recipient(a.id))
        for near in ((a.name_head == _head(r.name_key), long_key),
                     (a.name_tail == _tail(r.name_key), long_key),
                     (~long_key,))])


def fuzzy_candidates(session: Session, selection_id: int):
    """The pairs of :func:`fuzzy_query`, streamed."""
    return session.execute(fuzzy_query(selection_id).execution_options(yield_per=FUZZY_CHUNK))


def _fuzzy_name(session: Session, sid: int) -> int:
    pairs = [(row_id, applicant_id)
             for row_id, row_key, applicant_id, key in fuzzy_candidates(session, sid)
             if one_edit_apart(row_key, key)]
    return _insert_pairs(session, sid, "fuzzy_name", pairs)


def _insert_pairs(session: Session, sid: int, rule: str,
                  pairs: Iterable[tuple[int, int]]) -> int:
    _label, confidence = RULES[rule]
    status = "confirmed" if rule in AUTO_RULES else "candidate"
    hits = [{"selection_id": sid, "row_id": row_id, "applicant_id": applicant_id,
             "rule": rule, "confidence": confidence, "status": status,
             "action": DEFAULT_ACTION} for row_id, applicant_id in sorted(pairs)]
    for start in range(0, len(hits), INSERT_CHUNK):
        session.execute(insert(SelectionHit), hits[start:start + INSERT_CHUNK])
    return len(hits)


RULE_STEPS = {
    "snils": lambda session, sid: _insert_exact(session, sid, "snils"),
    "name_birth": lambda session, sid: _insert_exact(session, sid, "name_birth"),
    "snils_other_name": lambda session, sid: _insert_exact(session, sid, "snils_other_name"),
    "fuzzy_name": _fuzzy_name,
}


def note_not_recipients(session: Session, selection_id: int) -> None:
    """Mark the rows still without a hit that found an applicant who is no recipient."""
    r, a = SelectionRow, Applicant
    session.execute(update(r).where(r.selection_id == selection_id, r.match_note.is_not(None))
                    .values(match_note=None))
    for found in (and_(a.snils == r.snils),
                  and_(a.birth_date == r.birth_date, a.name_key == r.name_key)):
        session.execute(update(r).where(
            r.selection_id == selection_id, r.match_note.is_(None), _open(r.id),
            exists().where(found, ~_is_recipient(a.id))).values(match_note="not_recipient"))


def _untouched(selection_id: int):
    h = SelectionHit
    return and_(h.selection_id == selection_id, h.decided_at.is_(None),
                h.processed_at.is_(None))


def rows_matched(session: Session, selection_id: int) -> int:
    """Rows of the selection that have a hit (kept or new)."""
    h = SelectionHit
    return session.scalar(select(func.count(func.distinct(h.row_id)))
                          .where(h.selection_id == selection_id)) or 0


def _fresh_statistics(session: Session, *tables: str) -> None:
    """PostgreSQL: gather the tables' statistics now (a sample; tenths of a second).

    The rows were just loaded and each rule adds hits; with statistics from before,
    the planner took 171 rows for 200 000 and once chose a nested loop over every hit
    for the anti-join (428 s instead of 2). SQLite plans by its indexes without them.
    Just-in-time compilation is switched off: it cost more than it saved (0.7 s).
    """
    if not is_postgres(session):
        return
    session.execute(text("SET LOCAL jit = off"))
    session.execute(text(f"ANALYZE {', '.join(tables)}"))


def match_selection(session: Session, selection: Selection, tick: Tick | None = None,
                    timings: dict[str, float] | None = None) -> dict[str, int]:
    """(Re)build the selection's hits that nobody has worked on yet; new hits per rule.

    Hits someone decided or worked on are kept, and their rows are not offered again.
    ``tick(rules_done, rows_matched)`` is called after each rule (the job's counter; the
    job commits there, so each rule is a write transaction of its own). ``timings``
    receives the seconds of each rule (``rule_<name>``), for the benchmark.
    """
    sid = selection.id
    timings = timings if timings is not None else {}
    session.execute(delete(SelectionHit).where(_untouched(sid)))
    counts: dict[str, int] = {}
    for done, rule in enumerate(RULE_ORDER, start=1):
        started = time.perf_counter()
        _fresh_statistics(session, *(("selection_rows", "selection_hits") if done == 1
                                     else ("selection_hits",)))
        counts[rule] = RULE_STEPS[rule](session, sid)
        timings[f"rule_{rule}"] = time.perf_counter() - started
        if tick is not None:
            tick(done, rows_matched(session, sid))
    _fresh_statistics(session, "selection_hits")
    note_not_recipients(session, sid)
    apply_actions(session, selection)
    session.flush()
    return counts


def apply_actions(session: Session, selection: Selection) -> None:
    """Set each untouched hit's required action from the profile (per event type)."""
    profile = selection.profile
    if profile is None:
        return
    actions = {k.casefold().strip(): v for k, v in profile.actions.items()}
    default = profile.default_action or DEFAULT_ACTION
    untouched = and_(SelectionHit.selection_id == selection.id,
                     SelectionHit.processed_at.is_(None))
    session.execute(update(SelectionHit).where(untouched).values(action=default))
    event_types = session.scalars(select(SelectionRow.event_type).where(
        SelectionRow.selection_id == selection.id,
        SelectionRow.event_type.is_not(None)).distinct()).all()
    by_action: dict[str, list[str]] = {}
    for event_type in event_types:
        action = actions.get(event_type.casefold().strip())
        if action:
            by_action.setdefault(action, []).append(event_type)
    for action, types in by_action.items():
        rows = select(SelectionRow.id).where(SelectionRow.selection_id == selection.id,
                                             SelectionRow.event_type.in_(types))
        session.execute(update(SelectionHit).where(
            untouched, SelectionHit.row_id.in_(rows)).values(action=action))
