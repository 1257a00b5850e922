"""indexes the dashboard's counts read instead of the rows: agreements by status and label, agreements expiring soon

Revision ID: b3d5f7a92501
Revises: 7c2e9a1d4b60
Create Date: 2026-12-06 21:00:00.000000

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = 'b3d5f7a92501'
down_revision = '7c2e9a1d4b60'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_agreements_live_status', 'agreements',
                    ['archived_at', 'status', 'tlp', 'owner_organization_id', 'created_by_id'], unique=False)
    op.create_index('ix_agreements_live_expiry', 'agreements',
                    ['archived_at', 'expiry_date', 'status', 'tlp', 'owner_organization_id', 'created_by_id'],
                    unique=False)


def downgrade():
    op.drop_index('ix_agreements_live_expiry', table_name='agreements')
    op.drop_index('ix_agreements_live_status', table_name='agreements')
