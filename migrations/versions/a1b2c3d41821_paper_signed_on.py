"""signature_requests.paper_signed_on: the date a paper countersignature was signed by hand

Revision ID: a1b2c3d41821
Revises: d4f7b1e91801
Create Date: 2026-12-06 05:30:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'a1b2c3d41821'
down_revision = 'd4f7b1e91801'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('signature_requests', schema=None) as batch_op:
        batch_op.add_column(sa.Column('paper_signed_on', sa.Date(), nullable=True))


def downgrade():
    with op.batch_alter_table('signature_requests', schema=None) as batch_op:
        batch_op.drop_column('paper_signed_on')
