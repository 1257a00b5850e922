"""tasks: a person's live tasks by working group, read from the index (My tasks, the dashboard's counts)

Revision ID: b3d5f7a92502
Revises: b3d5f7a92501
Create Date: 2026-12-06 21:10:00.000000

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = 'b3d5f7a92502'
down_revision = 'b3d5f7a92501'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_tasks_assignee_live', 'tasks', ['assignee_id', 'archived_at', 'working_group_id', 'status',
                                                        'due_date'], unique=False)


def downgrade():
    op.drop_index('ix_tasks_assignee_live', table_name='tasks')
