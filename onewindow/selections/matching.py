"""Matching a loaded selection against the office's recipients, in one pass.

Recipients are applicants who have an active case file (:func:`recipient_ids`). The
person key of an applicant is computed from the already normalised ``search_name``
(casefolded, ё→е, single spaces, hyphens tidied) by dropping spaces and hyphens — exactly
:func:`normalize_person_key` — so it can never go stale; the incoming side carries its key
in ``selection_rows.name_key``.

Rules, in order; a row matched by an earlier rule is not offered to later ones:
1. ``snils`` — same СНИЛС and same name (or no name in the file): confirmed;
2. ``name_birth`` — same normalised full name and birth date: confirmed;
3. ``snils_other_name`` — same СНИЛС, different name: candidate for a click;
4. ``fuzzy_name`` — birth date equal and the names one letter apart: candidate.

How: the selection's rows (the small side, ≤ a few hundred thousand) are read once into
hash tables keyed by СНИЛС, by (birth date, name key) and, for rule 4, by (birth date,
first three letters) and (birth date, last three letters) — one edit always leaves one of
them intact. The applicants are then read in one streaming query (four narrow columns and
a recipient flag) and each is looked up in those tables: a hash join done in Python, the
same on PostgreSQL and SQLite (which has no hash join: its nested loop over the birth-date
index cost 86 s for 150 000 rows). Memory is bounded by the selection, not by the
1 000 000 applicants; the hits are written in bulk. A row that finds only an applicant
without an active case file is noted (``match_note = 'not_recipient'``), so the list of
lines not found can say why.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import String, and_, cast, delete, exists, insert, select, update
from sqlalchemy.orm import Session

from ..applicants.models import Applicant
from ..archive.models import CaseFile
from .models import AUTO_RULES, DEFAULT_ACTION, RULES, Selection, SelectionHit, SelectionRow

RULE_ORDER = ("snils", "name_birth", "snils_other_name", "fuzzy_name")
STREAM_CHUNK = 20_000
INSERT_CHUNK = 5_000


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


class _Rows:
    """The selection's open rows in hash tables, keyed as the rules look them up."""

    def __init__(self, session: Session, selection_id: int, kept: set[int]):
        self.by_snils: dict[str, list[int]] = defaultdict(list)
        self.by_name_birth: dict[tuple[str, str], list[int]] = defaultdict(list)
        self.by_prefix: dict[tuple[str, str], list[tuple[int, str]]] = defaultdict(list)
        self.by_suffix: dict[tuple[str, str], list[tuple[int, str]]] = defaultdict(list)
        self.key: dict[int, str | None] = {}
        r = SelectionRow
        result = _stream(session, select(r.id, r.snils, r.name_key, cast(r.birth_date, String))
                         .where(r.selection_id == selection_id))
        for row_id, snils, key, born in result:
            if row_id in kept:
                continue
            self.key[row_id] = key
            if snils:
                self.by_snils[snils].append(row_id)
            if key and born:
                self.by_name_birth[(born, key)].append(row_id)
                self.by_prefix[(born, key[:3])].append((row_id, key))
                self.by_suffix[(born, key[-3:])].append((row_id, key))


def _applicants(session: Session):
    """(id, СНИЛС, name key, birth date as text, recipient?) of every applicant, streamed."""
    a = Applicant
    recipient = exists().where(CaseFile.applicant_id == a.id, CaseFile.status == "active")
    return _stream(session, select(a.id, a.snils, a.search_name, cast(a.birth_date, String),
                                   recipient))


def _stream(session: Session, query):
    """Plain tuples in chunks (Core, no ORM loading; a server-side cursor on PostgreSQL)."""
    return session.connection().execute(
        query.execution_options(stream_results=True, yield_per=STREAM_CHUNK))


def find_pairs(session: Session, selection_id: int, kept: set[int],
               tick: Callable[[int], None] | None = None):
    """Every (row, applicant) pair per rule, and the rows that found a non-recipient."""
    rows = _Rows(session, selection_id, kept)
    pairs: dict[str, set[tuple[int, int]]] = {rule: set() for rule in RULE_ORDER}
    snils_hit, snils_other = pairs["snils"], pairs["snils_other_name"]
    name_birth, fuzzy = pairs["name_birth"], pairs["fuzzy_name"]
    not_recipient: set[int] = set()
    by_snils, by_nb = rows.by_snils, rows.by_name_birth
    by_prefix, by_suffix, row_key = rows.by_prefix, rows.by_suffix, rows.key
    seen = 0
    for applicant_id, snils, search_name, born, is_recipient in _applicants(session):
        seen += 1
        if tick is not None and seen % STREAM_CHUNK == 0:
            tick(seen)
        key = search_name.replace("-", "").replace(" ", "") if search_name else ""
        if snils and snils in by_snils:
            for row_id in by_snils[snils]:
                if not is_recipient:
                    not_recipient.add(row_id)
                elif row_key[row_id] in (None, key):
                    snils_hit.add((row_id, applicant_id))
                else:
                    snils_other.add((row_id, applicant_id))
        if not (key and born):
            continue
        for row_id in by_nb.get((born, key), ()):
            if is_recipient:
                name_birth.add((row_id, applicant_id))
            else:
                not_recipient.add(row_id)
        if not is_recipient:
            continue
        near = by_prefix.get((born, key[:3]), []) + by_suffix.get((born, key[-3:]), [])
        for row_id, rkey in near:
            if rkey != key and abs(len(rkey) - len(key)) <= 1 and one_edit_apart(rkey, key):
                fuzzy.add((row_id, applicant_id))
    if tick is not None:
        tick(seen)
    return pairs, not_recipient


@dataclass
class Plan:
    """What a matching pass found: pairs per rule, rows kept as decided, non-recipients."""

    pairs: dict[str, set[tuple[int, int]]]
    not_recipient: set[int]


def _untouched(selection_id: int):
    h = SelectionHit
    return and_(h.selection_id == selection_id, h.decided_at.is_(None),
                h.processed_at.is_(None))


def find_matches(session: Session, selection: Selection,
                 tick: Callable[[int], None] | None = None) -> Plan:
    """Read-only half: stream the applicants past the selection's rows.

    Hits someone decided or worked on are kept, and their rows are not offered again.
    ``tick(applicants_read)`` is called as the applicants stream by (the job's counter).
    """
    h = SelectionHit
    kept = set(session.scalars(select(h.row_id).where(
        h.selection_id == selection.id, ~_untouched(selection.id))))
    pairs, not_recipient = find_pairs(session, selection.id, kept, tick)
    return Plan(pairs, not_recipient)


def write_matches(session: Session, selection: Selection, plan: Plan) -> dict[str, int]:
    """Writing half: replace the untouched hits, note non-recipients; counts per rule."""
    sid = selection.id
    session.execute(delete(SelectionHit).where(_untouched(sid)))
    taken: set[int] = set()
    counts: dict[str, int] = {}
    for rule in RULE_ORDER:
        _label, confidence = RULES[rule]
        status = "confirmed" if rule in AUTO_RULES else "candidate"
        new = sorted((row_id, applicant_id) for row_id, applicant_id in plan.pairs[rule]
                     if row_id not in taken)
        hits = [{"selection_id": sid, "row_id": row_id, "applicant_id": applicant_id,
                 "rule": rule, "confidence": confidence, "status": status,
                 "action": DEFAULT_ACTION} for row_id, applicant_id in new]
        for start in range(0, len(hits), INSERT_CHUNK):
            session.execute(insert(SelectionHit), hits[start:start + INSERT_CHUNK])
        taken.update(row_id for row_id, _a in new)
        counts[rule] = len(hits)
    r = SelectionRow
    session.execute(update(r).where(r.selection_id == sid, r.match_note.is_not(None))
                    .values(match_note=None))
    noted = sorted(plan.not_recipient - taken)
    for start in range(0, len(noted), INSERT_CHUNK):
        session.execute(update(r).where(r.selection_id == sid,
                                        r.id.in_(noted[start:start + INSERT_CHUNK]))
                        .values(match_note="not_recipient"))
    apply_actions(session, selection)
    session.flush()
    return counts


def match_selection(session: Session, selection: Selection,
                    tick: Callable[[int], None] | None = None) -> dict[str, int]:
    """(Re)build the selection's hits that nobody has worked on yet; counts per rule."""
    return write_matches(session, selection, find_matches(session, selection, tick))


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
