"""render_jobs.generation: the content generation a render was built at (downloads re-check the reader's scope)

Revision ID: d4f7b1e91801
Revises: a1b2c3d41811
Create Date: 2026-12-06 05:30:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'd4f7b1e91801'
down_revision = 'a1b2c3d41811'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('render_jobs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('generation', sa.BigInteger(), nullable=True))


def downgrade():
    with op.batch_alter_table('render_jobs', schema=None) as batch_op:
        batch_op.drop_column('generation')
