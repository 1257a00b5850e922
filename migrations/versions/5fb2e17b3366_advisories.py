"""advisories (co-authored, released in TLP editions), their authors, recipients, acknowledgements, actions and links; sharing_feeds

Revision ID: 5fb2e17b3366
Revises: b7e2c4a90101
Create Date: 2026-12-06 09:05:32.089624

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '5fb2e17b3366'
down_revision = 'b7e2c4a90101'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('advisories',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=20), nullable=False),
    sa.Column('owner_organization_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('threat_alert', 'vulnerability', 'incident_summary', 'best_practice', 'situational_report', name='advisorykind', native_enum=False, length=20), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('recommended_actions', sa.Text(), nullable=False),
    sa.Column('sectors', sa.String(length=400), nullable=False),
    sa.Column('recipient_sectors', sa.String(length=400), nullable=False),
    sa.Column('severity', sa.Enum('low', 'medium', 'high', 'critical', name='severity', native_enum=False, length=20), nullable=False),
    sa.Column('tlp', sa.Enum('clear', 'green', 'amber', 'amber_strict', 'red', name='tlp', native_enum=False, length=20), nullable=False),
    sa.Column('status', sa.Enum('draft', 'in_review', 'released', 'superseded', 'withdrawn', name='advisorystatus', native_enum=False, length=20), nullable=False),
    sa.Column('status_changed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('released_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('supersedes_id', sa.Integer(), nullable=True),
    sa.Column('withdrawal_reason', sa.Text(), nullable=False),
    sa.Column('withdrawn_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('public_title', sa.String(length=200), nullable=False),
    sa.Column('public_body', sa.Text(), nullable=False),
    sa.Column('acknowledgement_deadline', sa.Date(), nullable=True),
    sa.Column('last_edited_by_id', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('archived_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_advisories_created_by_id_users')),
    sa.ForeignKeyConstraint(['last_edited_by_id'], ['users.id'], name=op.f('fk_advisories_last_edited_by_id_users')),
    sa.ForeignKeyConstraint(['owner_organization_id'], ['organizations.id'], name=op.f('fk_advisories_owner_organization_id_organizations')),
    sa.ForeignKeyConstraint(['supersedes_id'], ['advisories.id'], name=op.f('fk_advisories_supersedes_id_advisories')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_advisories')),
    sa.UniqueConstraint('reference', name=op.f('uq_advisories_reference'))
    )
    with op.batch_alter_table('advisories', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_advisories_created_by_id'), ['created_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_advisories_kind'), ['kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_advisories_owner_organization_id'), ['owner_organization_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_advisories_released_at'), ['released_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_advisories_severity'), ['severity'], unique=False)
        batch_op.create_index(batch_op.f('ix_advisories_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_advisories_supersedes_id'), ['supersedes_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_advisories_tlp'), ['tlp'], unique=False)

    op.create_table('sharing_feeds',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_sharing_feeds_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sharing_feeds')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_sharing_feeds_token_hash')),
    sa.UniqueConstraint('user_id', name=op.f('uq_sharing_feeds_user_id'))
    )
    op.create_table('advisory_acknowledgements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('advisory_id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('received', 'acted', 'not_applicable', name='acknowledgementstatus', native_enum=False, length=20), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('by_id', sa.Integer(), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['advisory_id'], ['advisories.id'], name=op.f('fk_advisory_acknowledgements_advisory_id_advisories'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['by_id'], ['users.id'], name=op.f('fk_advisory_acknowledgements_by_id_users')),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_advisory_acknowledgements_organization_id_organizations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_advisory_acknowledgements')),
    sa.UniqueConstraint('advisory_id', 'organization_id', name=op.f('uq_advisory_acknowledgements_advisory_id'))
    )
    with op.batch_alter_table('advisory_acknowledgements', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_advisory_acknowledgements_advisory_id'), ['advisory_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_advisory_acknowledgements_organization_id'), ['organization_id'], unique=False)

    op.create_table('advisory_agreements',
    sa.Column('advisory_id', sa.Integer(), nullable=False),
    sa.Column('agreement_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['advisory_id'], ['advisories.id'], name=op.f('fk_advisory_agreements_advisory_id_advisories'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['agreement_id'], ['agreements.id'], name=op.f('fk_advisory_agreements_agreement_id_agreements')),
    sa.PrimaryKeyConstraint('advisory_id', 'agreement_id', name=op.f('pk_advisory_agreements'))
    )
    op.create_table('advisory_authors',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('advisory_id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('approved_by_id', sa.Integer(), nullable=True),
    sa.Column('approved_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['advisory_id'], ['advisories.id'], name=op.f('fk_advisory_authors_advisory_id_advisories'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['approved_by_id'], ['users.id'], name=op.f('fk_advisory_authors_approved_by_id_users')),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_advisory_authors_organization_id_organizations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_advisory_authors')),
    sa.UniqueConstraint('advisory_id', 'organization_id', name=op.f('uq_advisory_authors_advisory_id'))
    )
    with op.batch_alter_table('advisory_authors', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_advisory_authors_advisory_id'), ['advisory_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_advisory_authors_organization_id'), ['organization_id'], unique=False)

    op.create_table('advisory_incident_reports',
    sa.Column('advisory_id', sa.Integer(), nullable=False),
    sa.Column('incident_report_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['advisory_id'], ['advisories.id'], name=op.f('fk_advisory_incident_reports_advisory_id_advisories'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['incident_report_id'], ['incident_reports.id'], name=op.f('fk_advisory_incident_reports_incident_report_id_incident_reports')),
    sa.PrimaryKeyConstraint('advisory_id', 'incident_report_id', name=op.f('pk_advisory_incident_reports'))
    )
    op.create_table('advisory_readers',
    sa.Column('advisory_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['advisory_id'], ['advisories.id'], name=op.f('fk_advisory_readers_advisory_id_advisories'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_advisory_readers_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('advisory_id', 'user_id', name=op.f('pk_advisory_readers'))
    )
    op.create_table('advisory_reads',
    sa.Column('advisory_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('read_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['advisory_id'], ['advisories.id'], name=op.f('fk_advisory_reads_advisory_id_advisories'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_advisory_reads_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('advisory_id', 'user_id', name=op.f('pk_advisory_reads'))
    )
    op.create_table('advisory_recipients',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('advisory_id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('sector', sa.String(length=40), nullable=True),
    sa.ForeignKeyConstraint(['advisory_id'], ['advisories.id'], name=op.f('fk_advisory_recipients_advisory_id_advisories'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_advisory_recipients_organization_id_organizations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_advisory_recipients')),
    sa.UniqueConstraint('advisory_id', 'organization_id', name=op.f('uq_advisory_recipients_advisory_id'))
    )
    with op.batch_alter_table('advisory_recipients', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_advisory_recipients_advisory_id'), ['advisory_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_advisory_recipients_organization_id'), ['organization_id'], unique=False)

    op.create_table('advisory_risks',
    sa.Column('advisory_id', sa.Integer(), nullable=False),
    sa.Column('risk_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['advisory_id'], ['advisories.id'], name=op.f('fk_advisory_risks_advisory_id_advisories'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['risk_id'], ['risks.id'], name=op.f('fk_advisory_risks_risk_id_risks')),
    sa.PrimaryKeyConstraint('advisory_id', 'risk_id', name=op.f('pk_advisory_risks'))
    )
    op.create_table('advisory_actions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('advisory_id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('risk', 'task', name='actionkind', native_enum=False, length=20), nullable=False),
    sa.Column('risk_id', sa.Integer(), nullable=True),
    sa.Column('task_id', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['advisory_id'], ['advisories.id'], name=op.f('fk_advisory_actions_advisory_id_advisories'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_advisory_actions_created_by_id_users')),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_advisory_actions_organization_id_organizations')),
    sa.ForeignKeyConstraint(['risk_id'], ['risks.id'], name=op.f('fk_advisory_actions_risk_id_risks')),
    sa.ForeignKeyConstraint(['task_id'], ['tasks.id'], name=op.f('fk_advisory_actions_task_id_tasks')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_advisory_actions'))
    )
    with op.batch_alter_table('advisory_actions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_advisory_actions_advisory_id'), ['advisory_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_advisory_actions_organization_id'), ['organization_id'], unique=False)



def downgrade():
    with op.batch_alter_table('advisory_actions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_advisory_actions_organization_id'))
        batch_op.drop_index(batch_op.f('ix_advisory_actions_advisory_id'))

    op.drop_table('advisory_actions')
    op.drop_table('advisory_risks')
    with op.batch_alter_table('advisory_recipients', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_advisory_recipients_organization_id'))
        batch_op.drop_index(batch_op.f('ix_advisory_recipients_advisory_id'))

    op.drop_table('advisory_recipients')
    op.drop_table('advisory_reads')
    op.drop_table('advisory_readers')
    op.drop_table('advisory_incident_reports')
    with op.batch_alter_table('advisory_authors', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_advisory_authors_organization_id'))
        batch_op.drop_index(batch_op.f('ix_advisory_authors_advisory_id'))

    op.drop_table('advisory_authors')
    op.drop_table('advisory_agreements')
    with op.batch_alter_table('advisory_acknowledgements', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_advisory_acknowledgements_organization_id'))
        batch_op.drop_index(batch_op.f('ix_advisory_acknowledgements_advisory_id'))

    op.drop_table('advisory_acknowledgements')
    op.drop_table('sharing_feeds')
    with op.batch_alter_table('advisories', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_advisories_tlp'))
        batch_op.drop_index(batch_op.f('ix_advisories_supersedes_id'))
        batch_op.drop_index(batch_op.f('ix_advisories_status'))
        batch_op.drop_index(batch_op.f('ix_advisories_severity'))
        batch_op.drop_index(batch_op.f('ix_advisories_released_at'))
        batch_op.drop_index(batch_op.f('ix_advisories_owner_organization_id'))
        batch_op.drop_index(batch_op.f('ix_advisories_kind'))
        batch_op.drop_index(batch_op.f('ix_advisories_created_by_id'))

    op.drop_table('advisories')
