"""incident_reports and incident_report_stages (NIS2 clocks), organizations.is_authority, risks.incident_report_id, users.time_zone

Revision ID: 8a36b2282adf
Revises: e5a8c2f41901
Create Date: 2026-12-06 08:24:40.985261

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '8a36b2282adf'
down_revision = 'e5a8c2f41901'
branch_labels = None
depends_on = None


def upgrade():

    op.create_table('incident_reports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=20), nullable=False),
    sa.Column('owner_organization_id', sa.Integer(), nullable=False),
    sa.Column('authority_organization_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('sectors', sa.String(length=400), nullable=False),
    sa.Column('services_affected', sa.Text(), nullable=False),
    sa.Column('aware_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('status', sa.Enum('open', 'contained', 'resolved', 'closed', name='incidentstatus', native_enum=False, length=20), nullable=False),
    sa.Column('status_changed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('users_affected', sa.Integer(), nullable=True),
    sa.Column('duration', sa.Integer(), nullable=True),
    sa.Column('geographic_spread', sa.Enum('local', 'regional', 'national', 'cross_border', name='geographicspread', native_enum=False, length=20), nullable=False),
    sa.Column('countries_affected', sa.String(length=200), nullable=False),
    sa.Column('suspected_cause', sa.Enum('malicious', 'system_failure', 'human_error', 'natural_phenomenon', 'third_party_failure', 'unknown', name='suspectedcause', native_enum=False, length=20), nullable=False),
    sa.Column('significance', sa.Enum('not_significant', 'significant', 'unknown', name='significance', native_enum=False, length=20), nullable=False),
    sa.Column('tlp', sa.Enum('clear', 'green', 'amber', 'amber_strict', 'red', name='tlp', native_enum=False, length=20), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('archived_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['authority_organization_id'], ['organizations.id'], name=op.f('fk_incident_reports_authority_organization_id_organizations')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_incident_reports_created_by_id_users')),
    sa.ForeignKeyConstraint(['owner_organization_id'], ['organizations.id'], name=op.f('fk_incident_reports_owner_organization_id_organizations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_incident_reports')),
    sa.UniqueConstraint('reference', name=op.f('uq_incident_reports_reference'))
    )
    with op.batch_alter_table('incident_reports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_incident_reports_authority_organization_id'), ['authority_organization_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_incident_reports_aware_at'), ['aware_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_incident_reports_created_by_id'), ['created_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_incident_reports_owner_organization_id'), ['owner_organization_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_incident_reports_significance'), ['significance'], unique=False)
        batch_op.create_index(batch_op.f('ix_incident_reports_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_incident_reports_tlp'), ['tlp'], unique=False)

    op.create_table('incident_report_recipients',
    sa.Column('incident_report_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['incident_report_id'], ['incident_reports.id'], name=op.f('fk_incident_report_recipients_incident_report_id_incident_reports'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_incident_report_recipients_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('incident_report_id', 'user_id', name=op.f('pk_incident_report_recipients'))
    )
    op.create_table('incident_report_stages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('incident_report_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('early_warning', 'notification', 'intermediate', 'final', name='stagekind', native_enum=False, length=20), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('requested_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('requested_by_id', sa.Integer(), nullable=True),
    sa.Column('request_note', sa.Text(), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('submitted_by_id', sa.Integer(), nullable=True),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('malicious_suspected', sa.Boolean(), nullable=True),
    sa.Column('cross_border_suspected', sa.Boolean(), nullable=True),
    sa.Column('root_cause', sa.Text(), nullable=False),
    sa.Column('mitigations_applied', sa.Text(), nullable=False),
    sa.Column('cross_border_impact', sa.Text(), nullable=False),
    sa.Column('late_by', sa.Interval(), nullable=True),
    sa.Column('acknowledged_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('acknowledged_by_id', sa.Integer(), nullable=True),
    sa.Column('document_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['acknowledged_by_id'], ['users.id'], name=op.f('fk_incident_report_stages_acknowledged_by_id_users')),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], name=op.f('fk_incident_report_stages_document_id_documents')),
    sa.ForeignKeyConstraint(['incident_report_id'], ['incident_reports.id'], name=op.f('fk_incident_report_stages_incident_report_id_incident_reports'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['requested_by_id'], ['users.id'], name=op.f('fk_incident_report_stages_requested_by_id_users')),
    sa.ForeignKeyConstraint(['submitted_by_id'], ['users.id'], name=op.f('fk_incident_report_stages_submitted_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_incident_report_stages'))
    )
    with op.batch_alter_table('incident_report_stages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_incident_report_stages_due_at'), ['due_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_incident_report_stages_incident_report_id'), ['incident_report_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_incident_report_stages_submitted_at'), ['submitted_at'], unique=False)

    with op.batch_alter_table('organizations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('is_authority', sa.Boolean(), server_default=sa.false(), nullable=False))

    with op.batch_alter_table('risks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('incident_report_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_risks_incident_report_id'), ['incident_report_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_risks_incident_report_id_incident_reports'), 'incident_reports', ['incident_report_id'], ['id'])

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('time_zone', sa.String(length=64), server_default='UTC', nullable=False))




def downgrade():

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('time_zone')

    with op.batch_alter_table('risks', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_risks_incident_report_id_incident_reports'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_risks_incident_report_id'))
        batch_op.drop_column('incident_report_id')

    with op.batch_alter_table('organizations', schema=None) as batch_op:
        batch_op.drop_column('is_authority')

    with op.batch_alter_table('incident_report_stages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_incident_report_stages_submitted_at'))
        batch_op.drop_index(batch_op.f('ix_incident_report_stages_incident_report_id'))
        batch_op.drop_index(batch_op.f('ix_incident_report_stages_due_at'))

    op.drop_table('incident_report_stages')
    op.drop_table('incident_report_recipients')
    with op.batch_alter_table('incident_reports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_incident_reports_tlp'))
        batch_op.drop_index(batch_op.f('ix_incident_reports_status'))
        batch_op.drop_index(batch_op.f('ix_incident_reports_significance'))
        batch_op.drop_index(batch_op.f('ix_incident_reports_owner_organization_id'))
        batch_op.drop_index(batch_op.f('ix_incident_reports_created_by_id'))
        batch_op.drop_index(batch_op.f('ix_incident_reports_aware_at'))
        batch_op.drop_index(batch_op.f('ix_incident_reports_authority_organization_id'))

    op.drop_table('incident_reports')

