"""content_generation: a value renewed by every transaction that writes what documents are made of

Revision ID: a1b2c3d41701
Revises: a1b2c3d41601
Create Date: 2026-12-01 06:10:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'a1b2c3d41701'
down_revision = 'a1b2c3d41601'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('content_generation',
                    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
                    sa.Column('value', sa.BigInteger(), nullable=False),
                    sa.PrimaryKeyConstraint('id', name=op.f('pk_content_generation')))


def downgrade():
    op.drop_table('content_generation')
