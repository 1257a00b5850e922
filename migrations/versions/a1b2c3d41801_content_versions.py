"""content_versions: the reviewable content of agreements and plans after each change and submission;
review_requests.content_version_id: what a review round was submitted with (its digest binds the approval)

Revision ID: a1b2c3d41801
Revises: a1b2c3d41701
Create Date: 2026-12-06 05:30:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'a1b2c3d41801'
down_revision = 'a1b2c3d41701'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('content_versions',
                    sa.Column('id', sa.Integer(), nullable=False),
                    sa.Column('object_type', sa.String(length=40), nullable=False),
                    sa.Column('object_id', sa.Integer(), nullable=False),
                    sa.Column('number', sa.Integer(), nullable=False),
                    sa.Column('digest', sa.String(length=64), nullable=False),
                    sa.Column('content', sa.Text(), nullable=False),
                    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
                    sa.Column('created_by_id', sa.Integer(), nullable=True),
                    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'],
                                            name=op.f('fk_content_versions_created_by_id_users')),
                    sa.PrimaryKeyConstraint('id', name=op.f('pk_content_versions')),
                    sa.UniqueConstraint('object_type', 'object_id', 'number',
                                        name=op.f('uq_content_versions_object_type')))
    with op.batch_alter_table('review_requests', schema=None) as batch_op:
        batch_op.add_column(sa.Column('content_version_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_review_requests_content_version_id_content_versions'),
                                    'content_versions', ['content_version_id'], ['id'])


def downgrade():
    with op.batch_alter_table('review_requests', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_review_requests_content_version_id_content_versions'),
                                 type_='foreignkey')
        batch_op.drop_column('content_version_id')
    op.drop_table('content_versions')
