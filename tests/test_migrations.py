"""Migrations: one line of history, a schema that is the models' own, down and up again."""

from __future__ import annotations

import contextlib
from pprint import pformat

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import current_app
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from onewindow.extensions import db

from .conftest import make_test_app

# alembic_version as the branched history left it (before the line): every head migrated,
# then 0013 taken down again (its depends_on put 0003 and 0009 back as rows), and the
# heads before 0013 existed.
BRANCHED_AT_0013 = ("0004", "0006", "0007", "0008", "0011", "0012", "0013")
BRANCHED_BELOW_0013 = ("0003", "0004", "0006", "0007", "0008", "0009", "0011", "0012")
BRANCHED_BEFORE_0013 = ("0004", "0006", "0007", "0008", "0009", "0011", "0012")


@contextlib.contextmanager
def migrations_app(url: str):
    """An app context on ``url``, whose engine is let go of afterwards."""
    application = make_test_app(url)
    with application.app_context():
        try:
            yield
        finally:
            db.session.remove()
            db.engine.dispose()


def script() -> ScriptDirectory:
    return ScriptDirectory.from_config(current_app.extensions["migrate"].migrate.get_config())


def versions() -> list[str]:
    with db.engine.connect() as conn:
        return sorted(conn.scalars(text("SELECT version_num FROM alembic_version")))


def set_versions(rows) -> None:
    with db.engine.begin() as conn:
        conn.execute(text("DELETE FROM alembic_version"))
        conn.execute(text("INSERT INTO alembic_version (version_num) VALUES (:v)"),
                     [{"v": row} for row in rows])


def alembic_drift() -> list:
    """Alembic's autogenerate comparison of the models with the database, as env.py sets it."""
    options = dict(current_app.extensions["migrate"].configure_args)
    # Stricter than a plain `db migrate`: server defaults are compared too.
    options.update(target_metadata=db.metadata, compare_type=True, compare_server_default=True)
    with db.engine.connect() as conn:
        return compare_metadata(MigrationContext.configure(conn, opts=options), db.metadata)


def _checks_and_predicates(inspector, schema: str | None) -> dict:
    """CHECK constraints and partial-index predicates, which Alembic does not compare."""
    where = f"{inspector.dialect.name}_where"
    found = {}
    for table in db.metadata.sorted_tables:
        for check in inspector.get_check_constraints(table.name, schema=schema):
            found["check", table.name, check["name"]] = " ".join(check["sqltext"].split())
        for index in inspector.get_indexes(table.name, schema=schema):
            predicate = index.get("dialect_options", {}).get(where)
            found["index", table.name, index["name"]] = (
                None if predicate is None else " ".join(str(predicate).split()))
    return found


def constraint_drift() -> list:
    """Differences from the models' own tables (create_all), reflected the same way.

    The models' tables are built in a schema "models" beside the migrated ones (an
    attached in-memory database on SQLite) and rolled back, so that both sides are
    spelled by the same database and dialect.
    """
    with db.engine.connect() as conn:
        sqlite = conn.dialect.name == "sqlite"
        if sqlite:  # ATTACH cannot run in a transaction: before the first one begins
            conn.connection.driver_connection.execute("ATTACH DATABASE ':memory:' AS models")
        else:
            conn.exec_driver_sql("CREATE SCHEMA models")
        try:
            db.metadata.create_all(conn.execution_options(schema_translate_map={None: "models"}))
            inspector = inspect(conn)
            migrated = _checks_and_predicates(inspector, None)
            models = _checks_and_predicates(inspector, "models")
        finally:
            conn.rollback()
            if sqlite:
                conn.connection.driver_connection.execute("DETACH DATABASE models")
    return [(key, {"migrated": migrated.get(key), "models": models.get(key)})
            for key in sorted(migrated.keys() | models.keys(), key=repr)
            if migrated.get(key) != models.get(key)]


def assert_no_drift() -> None:
    drift = alembic_drift()
    assert not drift, "models and migrations differ:\n" + pformat(drift)
    drift = constraint_drift()
    assert not drift, "models and migrations differ:\n" + pformat(drift)


def test_one_head():
    with migrations_app("sqlite://"):
        assert len(script().get_heads()) == 1, script().get_heads()


def test_models_match_the_migrated_schema(scratch_url):
    with migrations_app(scratch_url):
        upgrade()
        assert versions() == [script().get_current_head()]
        assert_no_drift()


def test_downgrade_base_then_upgrade(scratch_url):
    with migrations_app(scratch_url):
        upgrade()
        downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) == {"alembic_version"}
        assert versions() == []
        upgrade()
        assert versions() == [script().get_current_head()]
        assert_no_drift()


def test_each_step_down_leaves_one_version_row(scratch_url):
    with migrations_app(scratch_url):
        upgrade()
        for revision in script().walk_revisions():
            downgrade(revision="-1")
            assert versions() == ([revision.down_revision] if revision.down_revision else [])
        assert versions() == []


@pytest.mark.parametrize(("at", "rows"), [
    ("0013", BRANCHED_AT_0013),
    ("0012", BRANCHED_BELOW_0013),
    ("0012", BRANCHED_BEFORE_0013),
])
def test_a_database_of_the_branched_history_upgrades(scratch_url, at, rows):
    with migrations_app(scratch_url):
        upgrade(revision=at)
        set_versions(rows)
        upgrade()
        assert versions() == [script().get_current_head()]
        assert_no_drift()


def test_branched_rows_that_skip_a_revision_are_refused(scratch_url):
    """0007 without 0006 (possible in the branched history) is not a point of the line."""
    with migrations_app(scratch_url):
        upgrade(revision="0004")
        set_versions(("0002", "0003", "0004"))
        upgrade(revision="0004")  # nothing to do; the rows collapse to the line's 0004
        assert versions() == ["0004"]
        set_versions(("0002", "0003", "0004", "0007"))
        config = current_app.extensions["migrate"].migrate.get_config()
        with pytest.raises(RuntimeError, match="not the start of the line"):
            command.upgrade(config, "head")
        assert versions() == ["0002", "0003", "0004", "0007"]
