"""tasks: a person's live tasks in My tasks' default order (open first, by due date, the undated last)

Revision ID: b3d5f7a92505
Revises: b3d5f7a92504
Create Date: 2026-12-06 21:55:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'b3d5f7a92505'
down_revision = 'b3d5f7a92504'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_tasks_assignee_order', 'tasks',
                    ['assignee_id', 'archived_at', sa.text("(status = 'done')"),
                     sa.text("coalesce(due_date, '9999-12-31')"), 'id'], unique=False)


def downgrade():
    op.drop_index('ix_tasks_assignee_order', table_name='tasks')
