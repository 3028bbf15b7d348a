"""applicant search by any part of the name: second part of a double surname, name + patronymic

Revision ID: 0021
Revises: 0016
Create Date: 2026-12-07 12:00:00

"""
from alembic import op
import sqlalchemy as sa

from onewindow.core.text import normalize_search


# revision identifiers, used by Alembic.
revision = '0021'
down_revision = '0016'
branch_labels = None
depends_on = None

SEARCH_STRING = sa.String(length=400).with_variant(sa.String(length=400, collation='C'),
                                                   'postgresql')


def _keys(surname, name, patronymic):
    """The same values as applicants.services.search_keys (frozen here for the migration)."""
    given = normalize_search(" ".join(p for p in (name, patronymic) if p))
    parts = normalize_search(surname).split("-", 1)
    alt = f"{parts[1]} {given}".strip() if len(parts) == 2 and parts[1] else None
    return alt, given or None


def upgrade():
    with op.batch_alter_table('applicants', schema=None) as batch_op:
        batch_op.add_column(sa.Column('search_alt', SEARCH_STRING, nullable=True))
        batch_op.add_column(sa.Column('search_given', SEARCH_STRING, nullable=True))
        batch_op.create_index('ix_applicants_search_alt', ['search_alt', 'birth_date'],
                              unique=False)
        batch_op.create_index('ix_applicants_search_given', ['search_given', 'birth_date'],
                              unique=False)
    applicants = sa.table('applicants', sa.column('id', sa.Integer), sa.column('surname'),
                          sa.column('name'), sa.column('patronymic'),
                          sa.column('search_alt'), sa.column('search_given'))
    connection = op.get_bind()
    rows = connection.execute(sa.select(applicants.c.id, applicants.c.surname,
                                        applicants.c.name, applicants.c.patronymic)).all()
    update = (applicants.update().where(applicants.c.id == sa.bindparam('row_id'))
              .values(search_alt=sa.bindparam('alt'), search_given=sa.bindparam('given')))
    batch = []
    for row in rows:
        alt, given = _keys(row.surname, row.name, row.patronymic)
        batch.append({'row_id': row.id, 'alt': alt, 'given': given})
        if len(batch) == 5000:
            connection.execute(update, batch)
            batch = []
    if batch:
        connection.execute(update, batch)


def downgrade():
    with op.batch_alter_table('applicants', schema=None) as batch_op:
        batch_op.drop_index('ix_applicants_search_given')
        batch_op.drop_index('ix_applicants_search_alt')
        batch_op.drop_column('search_given')
        batch_op.drop_column('search_alt')
