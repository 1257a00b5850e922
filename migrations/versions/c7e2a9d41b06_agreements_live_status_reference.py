"""agreements: the live agreements of a status in the order of references (the inbox's reviews to give)

Revision ID: c7e2a9d41b06
Revises: b3d5f7a92505
Create Date: 2026-12-06 22:05:00.000000

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = 'c7e2a9d41b06'
down_revision = 'b3d5f7a92505'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_agreements_live_status_reference', 'agreements', ['archived_at', 'status', 'reference'],
                    unique=False)


def downgrade():
    op.drop_index('ix_agreements_live_status_reference', table_name='agreements')
