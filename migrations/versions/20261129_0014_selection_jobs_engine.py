"""selection jobs engine: worker, attempts, cancel, phase start; one active job per
selection; why a selection row found no recipient

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-29 09:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

ACTIVE_JOB = sa.text("status IN ('queued', 'running')")


def upgrade():
    with op.batch_alter_table('selection_jobs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('worker', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('attempts', sa.Integer(), server_default='0',
                                      nullable=False))
        batch_op.add_column(sa.Column('cancel_requested', sa.Boolean(),
                                      server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('phase_started_at', sa.DateTime(), nullable=True))
    # Jobs left running by the thread engine cannot be resumed: failed, so the index holds.
    op.execute("UPDATE selection_jobs SET status = 'failed', message = 'Загрузка прервана "
               "(обновление программы). Запустите её заново.' WHERE status IN "
               "('queued', 'running')")
    op.create_index('uq_selection_jobs_active', 'selection_jobs', ['selection_id'],
                    unique=True, sqlite_where=ACTIVE_JOB, postgresql_where=ACTIVE_JOB)
    with op.batch_alter_table('selection_rows', schema=None) as batch_op:
        batch_op.add_column(sa.Column('match_note', sa.String(length=20), nullable=True))


def downgrade():
    with op.batch_alter_table('selection_rows', schema=None) as batch_op:
        batch_op.drop_column('match_note')
    op.drop_index('uq_selection_jobs_active', table_name='selection_jobs')
    with op.batch_alter_table('selection_jobs', schema=None) as batch_op:
        batch_op.drop_column('phase_started_at')
        batch_op.drop_column('cancel_requested')
        batch_op.drop_column('attempts')
        batch_op.drop_column('worker')
