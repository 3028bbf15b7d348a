"""Matching a loaded selection against the office's recipients, set-based in SQL.

Recipients are applicants who have an active case file (:func:`recipient_ids`). The
applicants table is not altered: its person key is computed on the fly from the
already normalised ``search_name`` (casefolded, ё→е, single spaces, hyphens tidied) by
dropping spaces and hyphens — exactly :func:`normalize_person_key` — so it can never
go stale. The incoming side carries its key in an indexed staging column.

Rules, in order; a row matched by an earlier rule is not offered to later ones:
1. ``snils`` — same СНИЛС and same name (or no name in the file): confirmed;
2. ``name_birth`` — same normalised full name and birth date: confirmed;
3. ``snils_other_name`` — same СНИЛС, different name: candidate for a click;
4. ``fuzzy_name`` — birth date equal and the names one letter apart: candidate.
Rule 4 pre-filters pairs in SQL (same birth date, length within one, same first or
last three letters — one edit always leaves one of them intact) and checks the small
remaining set in Python.
"""

from __future__ import annotations

from sqlalchemy import and_, delete, func, insert, literal, not_, or_, select, update
from sqlalchemy.orm import Session

from ..applicants.models import Applicant
from ..archive.models import CaseFile
from .models import AUTO_RULES, DEFAULT_ACTION, RULES, Selection, SelectionHit, SelectionRow


def recipient_ids():
    """Applicants the office pays: those with an active case file (a subquery)."""
    return select(CaseFile.applicant_id).where(CaseFile.status == "active")


def applicant_key():
    """normalize_person_key(full name) of an applicant, as an SQL expression."""
    return func.replace(func.replace(Applicant.search_name, "-", ""), " ", "")


def _suffix(expr, dialect: str):
    return func.right(expr, 3) if dialect == "postgresql" else func.substr(expr, -3)


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


def _insert_hits(session: Session, selection_id: int, rule: str, query) -> int:
    label, confidence = RULES[rule]
    status = "confirmed" if rule in AUTO_RULES else "candidate"
    cols = ["selection_id", "row_id", "applicant_id", "rule", "confidence", "status", "action"]
    src = query.add_columns(
        literal(rule), literal(confidence), literal(status), literal(DEFAULT_ACTION))
    result = session.execute(insert(SelectionHit).from_select(cols, src))
    return result.rowcount or 0


def match_selection(session: Session, selection: Selection) -> dict[str, int]:
    """(Re)build the selection's hits that nobody has worked on yet; counts per rule."""
    sid = selection.id
    # Keep what people decided; rebuild only untouched hits.
    session.execute(delete(SelectionHit).where(
        SelectionHit.selection_id == sid, SelectionHit.decided_at.is_(None),
        SelectionHit.processed_at.is_(None)))
    r, a = SelectionRow, Applicant
    akey = applicant_key()
    recipients = recipient_ids()
    already = select(SelectionHit.row_id).where(SelectionHit.selection_id == sid)
    counts: dict[str, int] = {}

    base = select(r.selection_id, r.id, a.id).where(
        r.selection_id == sid, a.id.in_(recipients), not_(r.id.in_(already)))

    counts["snils"] = _insert_hits(session, sid, "snils", base.join(
        a, a.snils == r.snils).where(or_(r.name_key.is_(None), r.name_key == akey)))
    counts["name_birth"] = _insert_hits(session, sid, "name_birth", base.join(
        a, and_(a.birth_date == r.birth_date, akey == r.name_key)))
    counts["snils_other_name"] = _insert_hits(session, sid, "snils_other_name", base.join(
        a, a.snils == r.snils).where(r.name_key.is_not(None), r.name_key != akey))

    dialect = session.get_bind().dialect.name
    pairs = session.execute(
        select(r.id, a.id, r.name_key, akey).join(a, a.birth_date == r.birth_date).where(
            r.selection_id == sid, a.id.in_(recipients), not_(r.id.in_(already)),
            r.name_key.is_not(None), r.name_key != akey,
            func.abs(func.length(akey) - func.length(r.name_key)) <= 1,
            or_(func.substr(akey, 1, 3) == func.substr(r.name_key, 1, 3),
                _suffix(akey, dialect) == _suffix(r.name_key, dialect)),
        )).all()
    label, confidence = RULES["fuzzy_name"]
    fuzzy = [{"selection_id": sid, "row_id": row_id, "applicant_id": applicant_id,
              "rule": "fuzzy_name", "confidence": confidence, "status": "candidate",
              "action": DEFAULT_ACTION}
             for row_id, applicant_id, rkey, key in pairs if one_edit_apart(rkey, key)]
    if fuzzy:
        session.execute(insert(SelectionHit), fuzzy)
    counts["fuzzy_name"] = len(fuzzy)
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
