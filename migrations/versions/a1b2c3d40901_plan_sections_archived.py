"""Plan sections are archived, not deleted: archived_at, archived_by_id.

Revision ID: a1b2c3d40901
Revises: a1b2c3d41501
Create Date: 2026-11-30 16:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = "a1b2c3d40901"
down_revision = "a1b2c3d41501"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("plan_sections", schema=None) as batch_op:
        batch_op.add_column(sa.Column("archived_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("archived_by_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f("fk_plan_sections_archived_by_id_users"), "users",
                                    ["archived_by_id"], ["id"])


def downgrade():
    with op.batch_alter_table("plan_sections", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_plan_sections_archived_by_id_users"), type_="foreignkey")
        batch_op.drop_column("archived_by_id")
        batch_op.drop_column("archived_at")
