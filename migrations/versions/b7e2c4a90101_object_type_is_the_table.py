"""notifications and sent_reminders store a record's kind as its table name, like every other
(object_type, object_id) pair (audit events, comments, attachments, reviews, documents)

Revision ID: b7e2c4a90101
Revises: 8a36b2282adf
Create Date: 2026-12-06 08:50:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'b7e2c4a90101'
down_revision = '8a36b2282adf'
branch_labels = None
depends_on = None

# The kinds' keys then (app/kinds.py) and their tables: fixed here, whatever the registry holds later.
KEY_TO_TABLE = {
    "agreement": "agreements", "initiative": "initiatives", "working_group": "working_groups",
    "task": "tasks", "risk": "risks", "mitigation": "mitigations", "incident_plan": "incident_plans",
    "incident_report": "incident_reports",
}
TABLES = ("notifications", "sent_reminders")


def _rename(mapping: dict[str, str]) -> None:
    for table in TABLES:
        column = sa.table(table, sa.column("object_type", sa.String))
        for old, new in mapping.items():
            op.execute(column.update().where(column.c.object_type == old).values(object_type=new))


def upgrade():
    _rename(KEY_TO_TABLE)


def downgrade():
    _rename({table: key for key, table in KEY_TO_TABLE.items()})
