"""prints: print journal (stored documents for identical re-prints) and print setup per user

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-28 20:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('printed_documents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('object_type', sa.String(length=40), nullable=True),
    sa.Column('object_id', sa.String(length=64), nullable=True),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('printed_at', sa.DateTime(), nullable=False),
    sa.Column('url', sa.String(length=1000), nullable=False),
    sa.Column('params', sa.Text(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=True),
    sa.Column('content_purged_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_printed_documents_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_printed_documents'))
    )
    with op.batch_alter_table('printed_documents', schema=None) as batch_op:
        batch_op.create_index('ix_printed_documents_object', ['object_type', 'object_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_printed_documents_printed_at'), ['printed_at'], unique=False)
        batch_op.create_index('ix_printed_documents_user_id_printed_at', ['user_id', 'printed_at'], unique=False)

    op.create_table('print_setups',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('label_format', sa.String(length=10), nullable=False),
    sa.Column('printer_name', sa.String(length=100), nullable=False),
    sa.Column('offset_x_mm', sa.Double(), nullable=False),
    sa.Column('offset_y_mm', sa.Double(), nullable=False),
    sa.Column('receipt_copies', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("label_format IN ('sheet', 'thermal')", name=op.f('ck_print_setups_label_format_known')),
    sa.CheckConstraint('offset_x_mm BETWEEN -20 AND 20 AND offset_y_mm BETWEEN -20 AND 20', name=op.f('ck_print_setups_offsets_range')),
    sa.CheckConstraint('receipt_copies BETWEEN 1 AND 2', name=op.f('ck_print_setups_receipt_copies_range')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_print_setups_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_print_setups')),
    sa.UniqueConstraint('user_id', name=op.f('uq_print_setups_user_id'))
    )


def downgrade():
    op.drop_table('print_setups')
    with op.batch_alter_table('printed_documents', schema=None) as batch_op:
        batch_op.drop_index('ix_printed_documents_user_id_printed_at')
        batch_op.drop_index(batch_op.f('ix_printed_documents_printed_at'))
        batch_op.drop_index('ix_printed_documents_object')
    op.drop_table('printed_documents')
