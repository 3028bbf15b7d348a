"""queue board stamp: one row whose stamp changes with whatever the hall board shows

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-07 15:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0028'
down_revision = '0027'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'queue_board_version',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('version', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_queue_board_version')),
    )


def downgrade():
    op.drop_table('queue_board_version')
