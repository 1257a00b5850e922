"""text_line_endings: stored text edited in forms uses LF line breaks, as the forms now save it

Browsers send a textarea's line breaks as CRLF and, before app.forms.normalize_text, the forms stored
them so. Converting them once means the first untouched save after this release changes nothing
(no new version, no history entry). Data only; the documents' content digest already reads CRLF as LF.

Revision ID: a1b2c3d41811
Revises: a1b2c3d41801
Create Date: 2026-12-06 05:30:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'a1b2c3d41811'
down_revision = 'a1b2c3d41801'
branch_labels = None
depends_on = None

# The tables people edit through forms (the audit trail is append-only and keeps what it recorded).
EDITED_TABLES = ("agreements", "agreement_parties", "initiatives", "milestones", "working_groups", "tasks",
                 "risks", "mitigations", "incident_plans", "plan_sections", "plan_contacts", "organizations",
                 "users")


def upgrade():
    bind = op.get_bind()
    inspector = sa.inspect(bind)
    existing = set(inspector.get_table_names())
    for table in EDITED_TABLES:
        if table not in existing:
            continue
        for column in inspector.get_columns(table):
            if not isinstance(column["type"], sa.String):  # Text and VARCHAR (Enum columns hold no CR)
                continue
            name = column["name"]
            bind.execute(sa.text(f'UPDATE {table} SET "{name}" = REPLACE("{name}", :crlf, :lf) '
                                 f'WHERE "{name}" LIKE :pattern'),
                         {"crlf": "\r\n", "lf": "\n", "pattern": "%\r\n%"})


def downgrade():
    pass  # LF is what every form saves; there is nothing to restore
