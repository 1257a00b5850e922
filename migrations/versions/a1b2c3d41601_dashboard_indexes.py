"""indexes for the dashboard's counts: tasks by group and due date, open tasks by assignee, agreements by TLP and
status (they replace the indexes on tasks.assignee_id and agreements.tlp alone)

Revision ID: a1b2c3d41601
Revises: a1b2c3d41401
Create Date: 2026-12-01 03:45:00

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = 'a1b2c3d41601'
down_revision = 'a1b2c3d41401'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_tasks_group_due', 'tasks', ['working_group_id', 'due_date', 'status', 'archived_at'],
                    unique=False)
    op.create_index('ix_agreements_tlp_status', 'agreements', ['tlp', 'status', 'archived_at', 'owner_organization_id'],
                    unique=False)
    op.drop_index('ix_agreements_tlp', table_name='agreements')
    op.create_index('ix_tasks_assignee_open', 'tasks',
                    ['assignee_id', 'status', 'due_date', 'archived_at', 'working_group_id'], unique=False)
    op.drop_index('ix_tasks_assignee_id', table_name='tasks')


def downgrade():
    op.create_index('ix_tasks_assignee_id', 'tasks', ['assignee_id'], unique=False)
    op.drop_index('ix_tasks_assignee_open', table_name='tasks')
    op.create_index('ix_agreements_tlp', 'agreements', ['tlp'], unique=False)
    op.drop_index('ix_agreements_tlp_status', table_name='agreements')
    op.drop_index('ix_tasks_group_due', table_name='tasks')
