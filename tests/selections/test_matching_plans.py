"""Each matching rule reaches the applicants through an index, never a scan of them all.

SQLite plans by its indexes (no statistics needed): the plan must SEARCH the applicants.
PostgreSQL chooses a hash join by its statistics when that is cheaper; with hash and merge
joins and sequential scans switched off, the plan shows that an index can serve the join
(which one, among those led by the birth date, it picks by statistics an empty test
database does not have).
"""

from __future__ import annotations

import pytest
from sqlalchemy import text

from onewindow.database import is_postgres
from onewindow.selections.matching import exact_rule_query, fuzzy_query

EXPECTED = {
    "snils": {"snils"},
    "name_birth": {"ix_applicants_birth_date_name_key"},
    "snils_other_name": {"snils"},
    "fuzzy_name": {"ix_applicants_birth_date_name_head", "ix_applicants_birth_date_name_tail"},
}


def _plan(session, query) -> list[str]:
    sql = str(query.compile(dialect=session.get_bind().dialect,
                            compile_kwargs={"literal_binds": True}))
    if is_postgres(session):
        for setting in ("enable_seqscan", "enable_hashjoin", "enable_mergejoin"):
            session.execute(text(f"SET LOCAL {setting} = off"))
        return [line for (line,) in session.execute(text("EXPLAIN " + sql))]
    return [row[3] for row in session.execute(text("EXPLAIN QUERY PLAN " + sql))]


@pytest.mark.parametrize("rule", sorted(EXPECTED))
def test_each_rule_searches_the_applicants_by_an_index(session, rule):
    query = fuzzy_query(1) if rule == "fuzzy_name" else exact_rule_query(1, rule)
    plan = _plan(session, query)
    session.rollback()
    if is_postgres(session):
        steps = [line for line in plan if " on applicants " in line]
        assert steps and not [s for s in steps if "Seq Scan" in s], plan
        return
    steps = [line for line in plan if line.split(" USING")[0] in (
        "SEARCH applicants", "SCAN applicants")]
    assert steps and all(s.startswith("SEARCH applicants USING") for s in steps), plan
    used = " ".join(steps)
    assert "AUTOMATIC" not in used, plan  # an index built for the query: none of ours
    if rule in ("snils", "snils_other_name"):
        assert "(snils=?)" in used, plan
    for index in EXPECTED[rule]:
        assert index in used, plan
