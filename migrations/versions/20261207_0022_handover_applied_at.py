"""registry: a handover dated ahead is planned until its date (applied_at)

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-07 12:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('registry_handovers') as batch_op:
        batch_op.add_column(sa.Column('applied_at', sa.DateTime(), nullable=True))
    # Every handover made so far moved its items when it was made.
    op.execute("UPDATE registry_handovers SET applied_at = created_at")


def downgrade():
    with op.batch_alter_table('registry_handovers') as batch_op:
        batch_op.drop_column('applied_at')
