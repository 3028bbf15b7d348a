"""applicant name key: a generated column and index for set-based selection matching

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-07 15:10:00

``applicants.name_key`` is computed by the database from ``search_name`` (spaces and
hyphens dropped): STORED on PostgreSQL, where adding it rewrites the table and so fills
it for every existing applicant; VIRTUAL on SQLite (ALTER TABLE can add only those),
whose index below stores the computed keys. The index (birth date, name key) replaces
the one on birth date alone, its prefix.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None

NAME_KEY_SQL = "replace(replace(search_name, '-', ''), ' ', '')"


def upgrade():
    postgres = op.get_bind().dialect.name == 'postgresql'
    op.add_column('applicants', sa.Column(
        'name_key', sa.String(length=400), sa.Computed(NAME_KEY_SQL, persisted=postgres),
        nullable=True))
    op.create_index('ix_applicants_birth_date_name_key', 'applicants',
                    ['birth_date', 'name_key'], unique=False)
    op.drop_index('ix_applicants_birth_date', table_name='applicants')


def downgrade():
    op.create_index('ix_applicants_birth_date', 'applicants', ['birth_date'], unique=False)
    op.drop_index('ix_applicants_birth_date_name_key', table_name='applicants')
    op.drop_column('applicants', 'name_key')
