"""audit entries: PostgreSQL refuses TRUNCATE too (a statement-level trigger)

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-07 15:10:00

The row triggers of 0023 do not fire on TRUNCATE, which empties the table at once.
SQLite has no TRUNCATE (its "DELETE FROM t" is a DELETE, refused by 0023's trigger).
A TRUNCATE is let through only under the retention purge's permit, as a DELETE is.
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0027'
down_revision = '0026'
branch_labels = None
depends_on = None

MESSAGE = 'audit entries are append-only'

POSTGRES_FUNCTION = f"""
CREATE FUNCTION audit_entries_no_truncate() RETURNS trigger AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM audit_purge_permits) THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'insufficient_privilege';
END
$$ LANGUAGE plpgsql"""
POSTGRES_TRIGGER = """
CREATE TRIGGER audit_entries_no_truncate BEFORE TRUNCATE ON audit_entries
    FOR EACH STATEMENT EXECUTE FUNCTION audit_entries_no_truncate()"""


def upgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(POSTGRES_FUNCTION)
        op.execute(POSTGRES_TRIGGER)


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('DROP TRIGGER IF EXISTS audit_entries_no_truncate ON audit_entries')
        op.execute('DROP FUNCTION IF EXISTS audit_entries_no_truncate()')
