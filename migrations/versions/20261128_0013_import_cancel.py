"""import cancel: an undone archive import cancels its case files instead of deleting them

A cancelled case file keeps its row, with who cancelled it, when and why; its number and
its (applicant, service) pair may be taken again by a live file (partial unique indexes),
so a corrected register can be imported after the undo.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-28 20:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

LIVE = sa.text("status <> 'cancelled'")
OPEN = sa.text("status NOT IN ('cancelled', 'destroyed')")


def upgrade():
    with op.batch_alter_table('case_files', schema=None) as batch_op:
        batch_op.add_column(sa.Column('cancelled_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('cancelled_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('cancel_reason', sa.Text(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_case_files_cancelled_by_id_users'),
                                    'users', ['cancelled_by_id'], ['id'])
        batch_op.drop_constraint(batch_op.f('ck_case_files_status_known'), type_='check')
        batch_op.create_check_constraint(
            batch_op.f('ck_case_files_status_known'),
            "status IN ('active', 'closed', 'destroyed', 'cancelled')")
        batch_op.drop_constraint(batch_op.f('uq_case_files_number'), type_='unique')
        batch_op.drop_constraint('uq_case_files_applicant_service', type_='unique')
        batch_op.create_index(batch_op.f('ix_case_files_number'), ['number'], unique=False)
        batch_op.create_index('uq_case_files_number', ['number'], unique=True,
                              sqlite_where=LIVE, postgresql_where=LIVE)
        batch_op.create_index('uq_case_files_applicant_service',
                              ['applicant_id', 'service_id'], unique=True,
                              sqlite_where=OPEN, postgresql_where=OPEN)

    with op.batch_alter_table('archive_import_batches', schema=None) as batch_op:
        batch_op.add_column(sa.Column('undo_reason', sa.Text(), nullable=True))


def downgrade():
    # The old schema knows no cancelled status: such files come back as closed, with the
    # reason kept in the note (nothing is deleted). Should a live file have taken the
    # number or the (applicant, service) pair since (also a new folder after a destroyed
    # one), the unique constraint below refuses
    # and the downgrade fails.
    op.execute(sa.text(
        "UPDATE case_files SET status = 'closed', close_reason = 'other', "
        "closed_on = COALESCE(closed_on, opened_on), "
        "close_note = 'Аннулировано: ' || COALESCE(cancel_reason, '') "
        "WHERE status = 'cancelled'"))

    with op.batch_alter_table('archive_import_batches', schema=None) as batch_op:
        batch_op.drop_column('undo_reason')

    with op.batch_alter_table('case_files', schema=None) as batch_op:
        batch_op.drop_index('uq_case_files_applicant_service')
        batch_op.drop_index('uq_case_files_number')
        batch_op.drop_index(batch_op.f('ix_case_files_number'))
        batch_op.create_unique_constraint('uq_case_files_applicant_service',
                                          ['applicant_id', 'service_id'])
        batch_op.create_unique_constraint(batch_op.f('uq_case_files_number'), ['number'])
        batch_op.drop_constraint(batch_op.f('ck_case_files_status_known'), type_='check')
        batch_op.create_check_constraint(
            batch_op.f('ck_case_files_status_known'),
            "status IN ('active', 'closed', 'destroyed')")
        batch_op.drop_constraint(batch_op.f('fk_case_files_cancelled_by_id_users'),
                                 type_='foreignkey')
        batch_op.drop_column('cancel_reason')
        batch_op.drop_column('cancelled_by_id')
        batch_op.drop_column('cancelled_at')
