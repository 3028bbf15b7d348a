"""queue: desk sign-in log (who sat at which window, from when to when)

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-28 22:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

OPEN = sa.text("ended_at IS NULL")


def upgrade():
    op.create_table('queue_desk_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('desk_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('started_at', sa.DateTime(), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(), nullable=False),
    sa.Column('ended_at', sa.DateTime(), nullable=True),
    sa.Column('end_reason', sa.String(length=16), nullable=True),
    sa.ForeignKeyConstraint(['desk_id'], ['queue_desks.id'], name=op.f('fk_queue_desk_sessions_desk_id_queue_desks')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_queue_desk_sessions_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_queue_desk_sessions'))
    )
    with op.batch_alter_table('queue_desk_sessions', schema=None) as batch_op:
        batch_op.create_index('ix_queue_desk_sessions_started_at', ['started_at'], unique=False)
        batch_op.create_index('uq_queue_desk_sessions_open_desk', ['desk_id'], unique=True,
                              sqlite_where=OPEN, postgresql_where=OPEN)
        batch_op.create_index('uq_queue_desk_sessions_open_user', ['user_id'], unique=True,
                              sqlite_where=OPEN, postgresql_where=OPEN)


def downgrade():
    with op.batch_alter_table('queue_desk_sessions', schema=None) as batch_op:
        batch_op.drop_index('uq_queue_desk_sessions_open_user')
        batch_op.drop_index('uq_queue_desk_sessions_open_desk')
        batch_op.drop_index('ix_queue_desk_sessions_started_at')
    op.drop_table('queue_desk_sessions')
