"""Organisation use cases (admins only): create, update, archive and restore."""
import sqlalchemy as sa

from app import audit
from app import kinds
from app import permissions
from app import records
from app.extensions import db
from app.models import Organization
from app.models import User


def organization_choices(user: User, keep: Organization | None = None) -> list[Organization]:
    """The active organisations `user` may pick, plus `keep` (an archived parent or a user's archived
    organisation stays selected on an edit without moving anything)."""
    orgs = list(db.session.scalars(permissions.active_organizations(user)))
    if keep is not None and keep not in orgs:
        orgs.append(keep)
    return orgs


class OrganizationInUse(ValueError):
    """The organisation still has users or records; archive it instead."""


def name_taken(name: str, except_id: int | None = None) -> bool:
    """Organisation names are unique regardless of letter case."""
    stmt = sa.select(Organization.id).where(sa.func.lower(Organization.name) == name.strip().lower())
    if except_id:
        stmt = stmt.where(Organization.id != except_id)
    return db.session.scalar(stmt) is not None


def user_counts(org_ids: list[int]) -> dict[int, int]:
    """{organisation id: number of users} for the listed organisations (admin list)."""
    rows = db.session.execute(sa.select(User.organization_id, sa.func.count(User.id))
                              .where(User.organization_id.in_(org_ids)).group_by(User.organization_id))
    return dict(rows.all())


def _check_parent(actor: User, org: Organization | None, parent_id: int | None) -> None:
    if parent_id is None or org is None or org.id is None:
        return
    current = db.session.scalar(permissions.visible_organizations(actor).where(Organization.id == parent_id))
    while current is not None:
        if current.id == org.id:
            raise ValueError("An organisation cannot be its own parent or a client of its clients.")
        current = current.parent


def create_organization(actor: User, **fields) -> Organization:
    permissions.authorize(permissions.can_manage_organizations(actor))
    org = Organization(**fields)
    db.session.add(org)
    db.session.flush()
    audit.record(actor, "organization.created", org, summary=f"name: {org.name}")
    return org


def update_organization(actor: User, org: Organization, expected_version: int | None = None,
                        **fields) -> Organization:
    permissions.authorize(permissions.can_manage_organizations(actor))
    _check_parent(actor, org, fields.get("parent_id"))
    records.apply_changes(actor, org, fields, expected_version=expected_version, action="organization.updated")
    return org


def usage_count(org: Organization) -> int:
    """Users, records and settings that refer to the organisation: every row of every table with a foreign key
    to it (its users, client organisations, parties, authors, recipients, webhooks, peers…), so that deleting
    it never trips over one the list forgot."""
    checks = [sa.select(sa.func.count()).select_from(column.table).where(column == org.id)
              for column in referring_columns()]
    return sum(db.session.scalar(stmt) for stmt in checks)


def referring_columns() -> list[sa.Column]:
    """Every column of the schema that holds an organisation's id."""
    return [column for table in db.metadata.sorted_tables for column in table.columns
            if any(fk.column.table is Organization.__table__ for fk in column.foreign_keys)]


def organization_columns() -> list[tuple[type, sa.Column]]:
    """Every record kind's columns naming an organisation (owner, lead, assigned organisation): what an
    organisation's page counts as its records (read from the kinds registry and the models' foreign keys)."""
    return [(kind.model, column) for kind in kinds.KINDS for column in kind.model.__table__.columns
            if any(fk.column.table is Organization.__table__ for fk in column.foreign_keys)]


def delete_organization(actor: User, org: Organization) -> None:
    """Hard delete only an unused organisation; anything in use must be archived."""
    permissions.authorize(permissions.can_manage_organizations(actor))
    if usage_count(org):
        raise OrganizationInUse("This organisation has users or records; archive it instead.")
    audit.record(actor, "organization.deleted", org, summary=f"name: {org.name}")
    db.session.delete(org)


archive_organization = records.archive_step("organization", lambda actor, _org: permissions.can_manage_organizations(actor))
