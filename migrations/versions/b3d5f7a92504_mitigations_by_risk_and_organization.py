"""mitigations: by risk and assigned organisation (the TLP rule's participation through a mitigation)

Revision ID: b3d5f7a92504
Revises: b3d5f7a92503
Create Date: 2026-12-06 21:35:00.000000

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = 'b3d5f7a92504'
down_revision = 'b3d5f7a92503'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_mitigations_risk_organization', 'mitigations', ['risk_id', 'assigned_organization_id'],
                    unique=False)


def downgrade():
    op.drop_index('ix_mitigations_risk_organization', table_name='mitigations')
