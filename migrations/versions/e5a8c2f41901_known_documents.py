"""known_documents: the render cache's "known document" memory, shared by every web worker and host

Revision ID: e5a8c2f41901
Revises: a1b2c3d41821
Create Date: 2026-12-06 09:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'e5a8c2f41901'
down_revision = 'a1b2c3d41821'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'known_documents',
        sa.Column('key', sa.String(length=64), nullable=False),
        sa.Column('digest', sa.String(length=64), nullable=False),
        sa.Column('filename', sa.String(length=200), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('key', name=op.f('pk_known_documents')),
    )
    with op.batch_alter_table('known_documents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_known_documents_digest'), ['digest'], unique=False)


def downgrade():
    with op.batch_alter_table('known_documents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_known_documents_digest'))
    op.drop_table('known_documents')
