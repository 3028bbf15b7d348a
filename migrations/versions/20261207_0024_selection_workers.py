"""selection workers: the worker processes' sign of life, for /healthz

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-07 13:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'selection_workers',
        sa.Column('name', sa.String(length=100), nullable=False),
        sa.Column('started_at', sa.DateTime(), nullable=False),
        sa.Column('beat_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('name', name=op.f('pk_selection_workers')),
    )
    op.create_index(op.f('ix_selection_workers_beat_at'), 'selection_workers', ['beat_at'],
                    unique=False)


def downgrade():
    op.drop_index(op.f('ix_selection_workers_beat_at'), table_name='selection_workers')
    op.drop_table('selection_workers')
