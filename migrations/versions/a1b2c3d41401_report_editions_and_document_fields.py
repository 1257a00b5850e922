"""report editions, decisions needed, plan document fields, agreement revision

Revision ID: a1b2c3d41401
Revises: a1b2c3d40801
Create Date: 2026-11-30 15:53:41.077999

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'a1b2c3d41401'
down_revision = 'a1b2c3d40801'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('report_snapshots',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('tlp', sa.Enum('clear', 'green', 'amber', 'amber_strict', 'red', name='tlp', native_enum=False, length=20), nullable=False),
    sa.Column('reference', sa.String(length=40), nullable=False),
    sa.Column('figures', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_report_snapshots_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_snapshots'))
    )
    with op.batch_alter_table('report_snapshots', schema=None) as batch_op:
        batch_op.create_index('ix_report_snapshots_reader_edition', ['user_id', 'tlp', 'created_at'], unique=False)

    with op.batch_alter_table('agreements', schema=None) as batch_op:
        batch_op.add_column(sa.Column('revision', sa.Integer(), server_default='1', nullable=False))

    with op.batch_alter_table('incident_plans', schema=None) as batch_op:
        batch_op.add_column(sa.Column('distribution_list', sa.Text(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('activation_criteria', sa.Text(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('severity_levels', sa.Text(), server_default='', nullable=False))

    with op.batch_alter_table('initiatives', schema=None) as batch_op:
        batch_op.add_column(sa.Column('decision_needed', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('decision_note', sa.Text(), server_default='', nullable=False))

    with op.batch_alter_table('risks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('decision_needed', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('decision_note', sa.Text(), server_default='', nullable=False))



def downgrade():
    with op.batch_alter_table('risks', schema=None) as batch_op:
        batch_op.drop_column('decision_note')
        batch_op.drop_column('decision_needed')

    with op.batch_alter_table('initiatives', schema=None) as batch_op:
        batch_op.drop_column('decision_note')
        batch_op.drop_column('decision_needed')

    with op.batch_alter_table('incident_plans', schema=None) as batch_op:
        batch_op.drop_column('severity_levels')
        batch_op.drop_column('activation_criteria')
        batch_op.drop_column('distribution_list')

    with op.batch_alter_table('agreements', schema=None) as batch_op:
        batch_op.drop_column('revision')

    with op.batch_alter_table('report_snapshots', schema=None) as batch_op:
        batch_op.drop_index('ix_report_snapshots_reader_edition')

    op.drop_table('report_snapshots')
