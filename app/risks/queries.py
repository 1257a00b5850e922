"""The register's queries: `read_filters(args)` and `list_risks(user, filters)` (the shape every kind's list
has) on top of visible_risks, the heat-map counts, the CSV columns.

The list, its CSV and the heat map start from the same filtered statement, so all three show
exactly what the user may see.
"""
from collections.abc import Mapping
from datetime import date

import sqlalchemy as sa
from flask import request
from flask_login import current_user
from sqlalchemy.orm import joinedload
from sqlalchemy.orm import load_only
from sqlalchemy.orm import selectinload

from app import listing
from app import permissions
from app.extensions import db
from app.kept import kept
from app.models import TLP
from app.models import Mitigation
from app.models import Organization
from app.models import Risk
from app.models import RiskLevel
from app.models import RiskStatus
from app.models import Treatment
from app.models import User

SCALE = range(1, 6)
FAR_FUTURE = date(9999, 12, 31)


def read_filters(args: Mapping) -> dict:
    """The valid filters of the request; invalid values are dropped."""
    return {
        **listing.record_filters(args, RiskStatus),
        "level": listing.enum_arg("level", RiskLevel, args),
        "treatment": listing.enum_arg("treatment", Treatment, args),
        "initiative": listing.int_arg("initiative", args),
        "likelihood": listing.int_arg("likelihood", args, SCALE),
        "impact": listing.int_arg("impact", args, SCALE),
        "review_due": listing.flag("review", args, "due"),
        "mine": listing.flag("mine", args),
    }


def filtered(user, filters: dict, *, cell: bool = True, archived: bool | None = None) -> sa.Select:
    """visible_risks(user) narrowed by `filters`. cell=False leaves out likelihood/impact (heat map)."""
    stmt = permissions.visible_risks(user)
    stmt = listing.search(stmt, [Risk.reference, Risk.title, Risk.description, Risk.asset, Risk.threat,
                                 Risk.vulnerability], filters["q"])
    stmt = listing.where_equal(stmt, (Risk.status, filters["status"]), (Risk.treatment, filters["treatment"]),
                               (Risk.sector, filters["sector"]), (Risk.tlp, filters["tlp"]))
    if filters["level"]:
        stmt = stmt.where(Risk.level_condition(filters["level"]))
    if filters["organization"] is not None:
        org_id = filters["organization"]
        stmt = stmt.where(sa.or_(
            Risk.owner_organization_id == org_id,
            sa.exists().where(Mitigation.risk_id == Risk.id, Mitigation.assigned_organization_id == org_id,
                              Mitigation.archived_at.is_(None))))
    if filters["initiative"] is not None:
        stmt = stmt.where(Risk.initiative_id == filters["initiative"])
    if filters["review_due"]:
        stmt = stmt.where(Risk.review_overdue_condition())
    if filters["mine"]:
        stmt = stmt.where(sa.exists().where(Mitigation.risk_id == Risk.id,
                                            Mitigation.assigned_user_id == user.id,
                                            Mitigation.archived_at.is_(None)))
    if cell and filters["likelihood"]:
        stmt = stmt.where(Risk.likelihood == filters["likelihood"])
    if cell and filters["impact"]:
        stmt = stmt.where(Risk.impact == filters["impact"])
    return listing.archived(stmt, Risk.archived_at, filters["archived"] if archived is None else archived)


SORTABLE = {
    "reference": Risk.reference,
    "title": sa.func.lower(Risk.title),
    "score": Risk.likelihood * Risk.impact,
    # Unassessed residuals sort as 0 and undated reviews last, the same on SQLite and PostgreSQL.
    "residual": sa.func.coalesce(Risk.residual_likelihood * Risk.residual_impact, 0),
    "status": Risk.status,
    "next_review": sa.func.coalesce(Risk.next_review_date, FAR_FUTURE),
    "updated": Risk.updated_at,
}


def list_risks(user: User, filters: dict) -> sa.Select:
    """The register: the visible risks under `filters`, sorted, with their owner (its CSV, the API; the page
    shows fewer columns: page_risks). The page counts the mitigations with mitigation_counts(); the CSV loads
    them (CSV_OPTIONS)."""
    stmt = filtered(user, filters).options(joinedload(Risk.owner_organization))
    return listing.sort(stmt, SORTABLE, "score", "desc", tie_breaker=Risk.id.desc())


# What a row of the page shows (templates/risks/index.html): the rest of a risk (its texts) is not loaded.
PAGE_COLUMNS = (Risk.reference, Risk.title, Risk.sector, Risk.likelihood, Risk.impact, Risk.residual_likelihood,
                Risk.residual_impact, Risk.treatment, Risk.status, Risk.next_review_date, Risk.tlp,
                Risk.owner_organization_id, Risk.archived_at, Risk.updated_at)


def page_risks(user: User, filters: dict) -> sa.Select:
    """The page's statement: list_risks' rows with only the columns the page shows. The register as it first
    opens (no filter, the default order) is built once per user scope and day and kept, with its pages
    (listing.CountedPagination), as the agreement list is."""
    if _unfiltered(filters) and not request.args.get("sort") and not request.args.get("dir"):
        return permissions.scoped_statements("risks_page", user, lambda: _page_risks(user, filters))
    return _page_risks(user, filters)


def _page_risks(user: User, filters: dict) -> sa.Select:
    stmt = filtered(user, filters).options(
        load_only(*PAGE_COLUMNS), joinedload(Risk.owner_organization).load_only(Organization.name,
                                                                                  Organization.short_name))
    return listing.sort(stmt, SORTABLE, "score", "desc", tie_breaker=Risk.id.desc())


def _unfiltered(filters: dict, *ignored: str) -> bool:
    return not any(value for key, value in filters.items() if key not in ignored)


def mitigation_counts(risks) -> dict[int, tuple[int, int]]:
    """{risk id: (active mitigations, overdue ones)} of a page of risks, in ONE grouped count (risks without an
    active mitigation are absent): the register's column, without building every mitigation record. The
    statement is built once a day and takes the page's ids as its one parameter; its answer for the same page is
    kept per reader's scope (the day with it) and content generation (kept.py)."""
    ids = [risk.id for risk in risks]
    if not ids:
        return {}
    return kept(f"risk_mitigation_counts:{ids}", current_user, lambda: {
        risk_id: (active, overdue) for risk_id, active, overdue in db.session.execute(
            permissions.scoped_statements("risk_mitigation_counts", current_user, _mitigation_counts), {"ids": ids})})


def _mitigation_counts() -> sa.Select:
    overdue = sa.func.sum(sa.case((Mitigation.overdue_condition(), 1), else_=0))
    return (sa.select(Mitigation.risk_id, sa.func.count(), overdue)
            .where(Mitigation.risk_id.in_(sa.bindparam("ids", expanding=True)), Mitigation.archived_at.is_(None))
            .group_by(Mitigation.risk_id))


def heat_map_counts(filters: dict) -> dict[tuple[int, int], int]:
    """{(likelihood, impact): count} of visible, non-archived risks under the other filters: ONE query. Without
    such filters (the register as it first opens, or one of its cells) the counts are kept per reader's scope and
    content generation (kept.py)."""
    if _unfiltered(filters, "likelihood", "impact", "archived"):
        rows = kept("heat_map", current_user, lambda: db.session.execute(_heat_map_counts(filters)).all())
    else:
        rows = db.session.execute(_heat_map_counts(filters)).all()
    return {(likelihood, impact): count for likelihood, impact, count in rows}


def register_editions(user: User) -> list[TLP]:
    """The editions of the register PDF the reader may produce, as the documents' report_editions gives them for
    risks: every label up to the highest among the risks they may see (not archived). The labels are kept per
    reader's scope and content generation (kept.py): read afresh they cost a pass over every visible risk."""
    labels = kept("risk_labels", user, lambda: db.session.scalars(
        permissions.visible_risks(user).where(Risk.archived_at.is_(None)).with_only_columns(Risk.tlp).distinct()).all())
    highest = TLP.highest(labels)
    return [label for label in TLP if label.rank <= highest.rank]


def _heat_map_counts(filters: dict) -> sa.Select:
    return (filtered(current_user, filters, cell=False, archived=False)
            .with_only_columns(Risk.likelihood, Risk.impact, sa.func.count())
            .group_by(Risk.likelihood, Risk.impact))


def active_mitigations(risk: Risk) -> list[Mitigation]:
    return [m for m in risk.mitigations if m.archived_at is None]


CSV_OPTIONS = (selectinload(Risk.mitigations),)  # the Mitigations column counts them
CSV_COLUMNS = [
    ("Reference", lambda r: r.reference),
    ("Title", lambda r: r.title),
    ("Sector", lambda r: r.sector.label if r.sector else ""),
    ("Owner", lambda r: r.owner_organization.name),
    ("Likelihood", lambda r: r.likelihood),
    ("Impact", lambda r: r.impact),
    ("Score", lambda r: r.score),
    ("Level", lambda r: r.level.label),
    ("Residual likelihood", lambda r: r.residual_likelihood),
    ("Residual impact", lambda r: r.residual_impact),
    ("Residual score", lambda r: r.residual_score),
    ("Treatment", lambda r: r.treatment.label),
    ("Status", lambda r: r.status.label),
    ("Next review", lambda r: r.next_review_date),
    ("Mitigations", lambda r: len(active_mitigations(r))),
    ("TLP", lambda r: r.tlp.label),
]
