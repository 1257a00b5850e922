"""The agreement list: `read_filters(args)` and `list_agreements(user, filters)` (the shape every kind's
list has), sorting, eager loading and the CSV columns.

The page and its CSV are built from the same statement, so the export holds exactly the rows
the user sees under the current filters.
"""
from collections.abc import Iterable
from collections.abc import Mapping

import sqlalchemy as sa
from flask import request
from sqlalchemy.orm import joinedload
from sqlalchemy.orm import selectinload

from app import listing
from app import permissions
from app.extensions import db
from app.models import Agreement
from app.models import AgreementKind
from app.models import AgreementParty
from app.models import AgreementStatus
from app.models import Organization
from app.models import PartyRole
from app.models import User
from app.models import sector_filter

SEARCH_COLUMNS = (Agreement.reference, Agreement.title, Agreement.summary, Agreement.terms)

SORTABLE = {
    "reference": Agreement.reference,
    "title": Agreement.title,
    "kind": Agreement.kind,
    "status": Agreement.status,
    "effective": Agreement.effective_date,
    "expiry": Agreement.expiry_date,
    "updated": Agreement.updated_at,
}


def read_filters(args: Mapping) -> dict:
    """The recognised filters of the query string, as the template shows them (invalid values dropped)."""
    return {**listing.record_filters(args, AgreementStatus), "kind": listing.enum_arg("kind", AgreementKind, args),
            "expiring": listing.flag("expiring", args)}


def list_agreements(user: User, filters: dict) -> sa.Select:
    """The visible agreements under `filters`, sorted (?sort=, ?dir=): the page, its CSV and the API's list.
    The list as it first opens (no filter, the default order) is built once per user scope and day and kept, with
    its pages (listing.CountedPagination): building and keying it cost about a tenth of the page."""
    if not any(filters.values()) and not request.args.get("sort") and not request.args.get("dir"):
        return permissions.scoped_statements("agreements_list", user, lambda: _list_agreements(user, filters))
    return _list_agreements(user, filters)


def _list_agreements(user: User, filters: dict) -> sa.Select:
    # The page shows its parties as names (party_names); the CSV and the API load the records (RECORD_OPTIONS).
    stmt = permissions.visible_agreements(user)
    stmt = listing.search(stmt, SEARCH_COLUMNS, filters["q"])
    stmt = listing.where_equal(stmt, (Agreement.status, filters["status"]), (Agreement.kind, filters["kind"]),
                               (Agreement.tlp, filters["tlp"]))
    if filters["sector"] is not None:
        stmt = stmt.where(sector_filter(Agreement.sectors, filters["sector"].value))
    if filters["organization"] is not None:
        org_id = filters["organization"]
        stmt = stmt.where(sa.or_(
            Agreement.owner_organization_id == org_id,
            sa.exists().where(AgreementParty.agreement_id == Agreement.id,
                              AgreementParty.organization_id == org_id)))
    if filters["expiring"]:
        stmt = stmt.where(Agreement.expiring_condition())
    stmt = listing.archived(stmt, Agreement.archived_at, filters["archived"])
    return listing.sort(stmt, SORTABLE, "updated", default_dir="desc", tie_breaker=Agreement.id.desc())


def _party_names(agreement: Agreement) -> list[str]:
    return [f"{p.organization.name} ({p.party_role.label.lower()})" for p in agreement.parties]


RECORD_OPTIONS = (selectinload(Agreement.parties).joinedload(AgreementParty.organization, innerjoin=True),
                  joinedload(Agreement.owner_organization, innerjoin=True))

# A page's parties as light rows (no records to build), in the parties' order; built once.
_PARTY_NAMES = (sa.select(AgreementParty.agreement_id, Organization.short_name, Organization.name,
                          AgreementParty.party_role == PartyRole.LEAD)
                .join(Organization, Organization.id == AgreementParty.organization_id)
                .where(AgreementParty.agreement_id.in_(sa.bindparam("ids", expanding=True)))
                .order_by(AgreementParty.agreement_id, AgreementParty.position))


def party_names(agreements: Iterable[Agreement]) -> dict[int, list[tuple[str, bool]]]:
    """{agreement id: [(the party's organisation's display name, lead?)]} for a page of agreements: one statement."""
    names: dict[int, list[tuple[str, bool]]] = {a.id: [] for a in agreements}
    if names:
        for agreement_id, short_name, name, lead in db.session.execute(_PARTY_NAMES, {"ids": list(names)}):
            names[agreement_id].append((short_name or name, bool(lead)))
    return names


CSV_COLUMNS = [
    ("Reference", lambda a: a.reference),
    ("Title", lambda a: a.title),
    ("Kind", lambda a: a.kind.label),
    ("Status", lambda a: a.status.label),
    ("TLP", lambda a: a.tlp.label),
    ("Parties", _party_names),
    ("Sectors", lambda a: [s.label for s in a.sectors]),
    ("Effective", lambda a: a.effective_date),
    ("Expiry", lambda a: a.expiry_date),
    ("Notice days", lambda a: a.notice_days),
    ("Auto-renew", lambda a: a.auto_renew),
    ("Owner", lambda a: a.owner_organization.name),
]
