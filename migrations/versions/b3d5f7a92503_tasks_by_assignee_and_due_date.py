"""tasks: a person's live tasks by due date, read in the index's order (the dashboard's first few)

Revision ID: b3d5f7a92503
Revises: b3d5f7a92502
Create Date: 2026-12-06 21:20:00.000000

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = 'b3d5f7a92503'
down_revision = 'b3d5f7a92502'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_tasks_assignee_due', 'tasks', ['assignee_id', 'archived_at', 'due_date', 'status',
                                                       'working_group_id'], unique=False)


def downgrade():
    op.drop_index('ix_tasks_assignee_due', table_name='tasks')
