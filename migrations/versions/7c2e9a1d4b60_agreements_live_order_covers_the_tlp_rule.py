"""agreements: the list's order index also holds the TLP rule's columns (the list's total read from the index)

Revision ID: 7c2e9a1d4b60
Revises: 5b1d7e0c2a41
Create Date: 2026-12-06 18:45:00.000000

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '7c2e9a1d4b60'
down_revision = '5b1d7e0c2a41'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('agreements', schema=None) as batch_op:
        batch_op.drop_index('ix_agreements_archived_at_updated_at')
        batch_op.create_index('ix_agreements_live_order', ['archived_at', 'updated_at', 'id', 'tlp',
                                                           'owner_organization_id', 'created_by_id'], unique=False)


def downgrade():
    with op.batch_alter_table('agreements', schema=None) as batch_op:
        batch_op.drop_index('ix_agreements_live_order')
        batch_op.create_index('ix_agreements_archived_at_updated_at', ['archived_at', 'updated_at', 'id'], unique=False)
