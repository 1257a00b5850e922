"""reference counters: one locked row per prefix and year

Revision ID: a1b2c3d40801
Revises: a1b2c3d41201
Create Date: 2026-11-30 15:50:00

"""
import sqlalchemy as sa
from alembic import op

revision = 'a1b2c3d40801'
down_revision = 'a1b2c3d41201'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('reference_counters',
    sa.Column('prefix', sa.String(length=10), nullable=False),
    sa.Column('year', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('last', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('prefix', 'year', name=op.f('pk_reference_counters'))
    )


def downgrade():
    op.drop_table('reference_counters')
