"""perf indexes: the current ticket of a desk and of a specialist without a full scan

Every desk action (call next, finish, …) looks up the ticket now called to or served at
the desk (``desk_id``, ``status``), and every registration the visit its specialist is
serving (``specialist_id``, ``status``). Without these indexes both are full scans of
queue_tickets (37 800 rows at district scale, 375 000 at region scale) inside the write
transaction.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-28 22:00:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('queue_tickets', schema=None) as batch_op:
        batch_op.create_index('ix_queue_tickets_desk_id_status', ['desk_id', 'status'],
                              unique=False)
        batch_op.create_index('ix_queue_tickets_specialist_id_status',
                              ['specialist_id', 'status'], unique=False)


def downgrade():
    with op.batch_alter_table('queue_tickets', schema=None) as batch_op:
        batch_op.drop_index('ix_queue_tickets_specialist_id_status')
        batch_op.drop_index('ix_queue_tickets_desk_id_status')
