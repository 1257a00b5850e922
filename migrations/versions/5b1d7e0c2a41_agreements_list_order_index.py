"""agreements: an index in the list's default order (live ones, last updated first)

Revision ID: 5b1d7e0c2a41
Revises: 141baf865347
Create Date: 2026-12-06 18:20:00.000000

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '5b1d7e0c2a41'
down_revision = '141baf865347'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('agreements', schema=None) as batch_op:
        batch_op.create_index('ix_agreements_archived_at_updated_at', ['archived_at', 'updated_at', 'id'], unique=False)


def downgrade():
    with op.batch_alter_table('agreements', schema=None) as batch_op:
        batch_op.drop_index('ix_agreements_archived_at_updated_at')
