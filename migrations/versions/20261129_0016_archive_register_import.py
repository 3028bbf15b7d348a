"""archive register import: column profiles, confirmed service spellings, box labels

Revision ID: 0016
Revises: 0014
Create Date: 2026-11-29 10:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0016'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'archive_import_profiles',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=120), nullable=False),
        sa.Column('mapping_json', sa.Text(), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('last_used_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'],
                                name=op.f('fk_archive_import_profiles_created_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_archive_import_profiles')),
        sa.UniqueConstraint('name', name=op.f('uq_archive_import_profiles_name')),
    )
    op.create_table(
        'archive_service_spellings',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('spelling', sa.String(length=200), nullable=False),
        sa.Column('service_id', sa.Integer(), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['service_id'], ['services.id'],
                                name=op.f('fk_archive_service_spellings_service_id_services')),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'],
                                name=op.f('fk_archive_service_spellings_created_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_archive_service_spellings')),
        sa.UniqueConstraint('spelling', name=op.f('uq_archive_service_spellings_spelling')),
    )
    with op.batch_alter_table('archive_boxes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('label', sa.String(length=40), nullable=True))


def downgrade():
    with op.batch_alter_table('archive_boxes', schema=None) as batch_op:
        batch_op.drop_column('label')
    op.drop_table('archive_service_spellings')
    op.drop_table('archive_import_profiles')
