"""applicant name key: generated columns and indexes for set-based selection matching

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-07 15:10:00

``applicants.name_key`` is computed by the database from ``search_name`` (spaces and
hyphens dropped), ``name_head`` / ``name_tail`` are its first and last six letters:
STORED on PostgreSQL, where adding them rewrites the table and so fills them for every
existing applicant; VIRTUAL on SQLite, whose indexes below store the computed values. The index (birth date, name key) replaces the one on
birth date alone, its prefix.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None

NAME_KEY_SQL = "replace(replace(search_name, '-', ''), ' ', '')"
COLUMNS = (
    ('name_key', 400, NAME_KEY_SQL),
    ('name_head', 6, f"substr({NAME_KEY_SQL}, 1, 6)"),
    ('name_tail', 6, f"substr({NAME_KEY_SQL}, length({NAME_KEY_SQL}) - 5)"),
)


def upgrade():
    postgres = op.get_bind().dialect.name == 'postgresql'
    # On SQLite the table is rebuilt, so that each generated column is on a line of its
    # own in its CREATE TABLE (SQLAlchemy reads a generation expression to the line's end).
    with op.batch_alter_table('applicants', recreate='auto' if postgres else 'always') as batch:
        for name, length, sql in COLUMNS:
            batch.add_column(sa.Column(
                name, sa.String(length=length), sa.Computed(sql, persisted=postgres),
                nullable=True))
            batch.create_index(f'ix_applicants_birth_date_{name}', ['birth_date', name],
                               unique=False)
        batch.drop_index('ix_applicants_birth_date')


def downgrade():
    postgres = op.get_bind().dialect.name == 'postgresql'
    with op.batch_alter_table('applicants', recreate='auto' if postgres else 'always') as batch:
        batch.create_index('ix_applicants_birth_date', ['birth_date'], unique=False)
        for name, _length, _sql in reversed(COLUMNS):
            batch.drop_index(f'ix_applicants_birth_date_{name}')
            batch.drop_column(name)
