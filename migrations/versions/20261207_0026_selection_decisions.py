"""selection decisions: each decision on a hit, with who undid it and when

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-07 15:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0026'
down_revision = '0025'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'selection_decisions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('hit_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=10), nullable=False),
        sa.Column('outcome', sa.String(length=20), nullable=True),
        sa.Column('comment', sa.Text(), nullable=True),
        sa.Column('bulk_count', sa.Integer(), nullable=True),
        sa.Column('made_by_id', sa.Integer(), nullable=False),
        sa.Column('made_at', sa.DateTime(), nullable=False),
        sa.Column('undone_by_id', sa.Integer(), nullable=True),
        sa.Column('undone_at', sa.DateTime(), nullable=True),
        sa.CheckConstraint("kind IN ('confirm', 'reject', 'outcome')",
                           name=op.f('ck_selection_decisions_kind_known')),
        sa.ForeignKeyConstraint(['hit_id'], ['selection_hits.id'],
                                name=op.f('fk_selection_decisions_hit_id_selection_hits'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['made_by_id'], ['users.id'],
                                name=op.f('fk_selection_decisions_made_by_id_users')),
        sa.ForeignKeyConstraint(['undone_by_id'], ['users.id'],
                                name=op.f('fk_selection_decisions_undone_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_selection_decisions')),
    )
    op.create_index('ix_selection_decisions_hit_id', 'selection_decisions', ['hit_id', 'id'],
                    unique=False)


def downgrade():
    op.drop_index('ix_selection_decisions_hit_id', table_name='selection_decisions')
    op.drop_table('selection_decisions')
