"""The advisory list and the sharing feed: filters from the query string on visible_advisories (an invalid
value is ignored), and which of the rows the reader may read in their restricted edition."""
from collections.abc import Iterable
from collections.abc import Mapping

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from app import listing
from app import permissions
from app.extensions import db
from app.models import PUBLISHED
from app.models import TLP
from app.models import Advisory as Adv
from app.models import AdvisoryAcknowledgement
from app.models import AdvisoryAuthor
from app.models import AdvisoryKind
from app.models import AdvisoryRead
from app.models import AdvisoryRecipient
from app.models import AdvisoryStatus
from app.models import Sector
from app.models import Severity
from app.models import User
from app.models import sector_filter

SORTABLE = {"reference": Adv.reference, "title": Adv.title, "status": Adv.status, "severity": Adv.severity,
            "released": Adv.released_at, "updated": Adv.updated_at}


ROW_OPTIONS = (selectinload(Adv.authors).selectinload(AdvisoryAuthor.organization),)  # what a list row shows


def _acknowledged(user: User):
    return sa.exists().where(AdvisoryAcknowledgement.advisory_id == Adv.id,
                             AdvisoryAcknowledgement.organization_id == user.organization_id)


def read_filters(args: Mapping) -> dict:
    """The valid filters of the request (the list's and the sharing feed's); invalid values are dropped."""
    return {"q": listing.text_arg(args), "status": listing.enum_arg("status", AdvisoryStatus, args),
            "kind": listing.enum_arg("kind", AdvisoryKind, args),
            "severity": listing.enum_arg("severity", Severity, args), "tlp": listing.enum_arg("tlp", TLP, args),
            "sector": listing.enum_arg("sector", Sector, args), "mine": listing.flag("mine", args),
            "ack": args.get("ack") if args.get("ack") in ("pending", "done") else None,
            "unread": listing.flag("unread", args)}


def _filtered(stmt: sa.Select, user: User, filters: dict) -> sa.Select:
    stmt = listing.where_equal(stmt, (Adv.kind, filters["kind"]), (Adv.severity, filters["severity"]),
                               (Adv.tlp, filters["tlp"]))
    if sector := filters["sector"]:
        stmt = stmt.where(sector_filter(Adv.sectors, sector.value))
    if filters["ack"] == "pending":  # addressed to my organisation, not acknowledged yet
        stmt = stmt.where(sa.exists().where(AdvisoryRecipient.advisory_id == Adv.id,
                                            AdvisoryRecipient.organization_id == user.organization_id),
                          ~_acknowledged(user))
    elif filters["ack"] == "done":
        stmt = stmt.where(_acknowledged(user))
    return stmt


def list_advisories(user: User, filters: dict) -> sa.Select:
    """The visible advisories under `filters`, sorted, with what a row shows loaded (the page and its CSV)."""
    stmt = permissions.visible_advisories(user)
    # The search reads the public title too: a reader of the public edition finds it by what they see.
    stmt = listing.search(stmt, [Adv.reference, Adv.title, Adv.public_title], filters["q"])
    stmt = listing.where_equal(stmt, (Adv.status, filters["status"]))
    if filters["mine"]:
        stmt = stmt.where(sa.exists().where(AdvisoryAuthor.advisory_id == Adv.id,
                                            AdvisoryAuthor.organization_id == user.organization_id))
    stmt = _filtered(stmt, user, filters)
    return listing.sort(stmt, SORTABLE, "updated", "desc", tie_breaker=Adv.id.desc()).options(*ROW_OPTIONS)


def restricted_ids(user: User, ids: Iterable[int]) -> set[int]:
    """Of `ids`, the advisories whose restricted edition the user may read (one statement)."""
    ids = [i for i in ids if i is not None]
    if not ids:
        return set()
    return set(db.session.scalars(sa.select(Adv.id).where(
        Adv.id.in_(ids), permissions.advisory_restricted_condition(user))))


def may_read_restricted(user: User, advisory: Adv) -> bool:
    return advisory.id in restricted_ids(user, [advisory.id])


def _not_own(user: User):
    return ~sa.exists().where(AdvisoryAuthor.advisory_id == Adv.id,
                              AdvisoryAuthor.organization_id == user.organization_id)


def _unread(user: User):
    return ~sa.exists().where(AdvisoryRead.advisory_id == Adv.id, AdvisoryRead.user_id == user.id)


def list_shared(user: User, filters: dict | None = None) -> sa.Select:
    """What other partners released and the user may read (an edition of), newest first: advisories and
    incident summaries shared with the user's organisation or with the whole community."""
    stmt = permissions.visible_advisories(user).where(Adv.status.in_(PUBLISHED), _not_own(user))
    if filters:
        stmt = _filtered(stmt, user, filters)
        if filters["unread"]:
            stmt = stmt.where(_unread(user))
    return stmt.order_by(Adv.released_at.desc(), Adv.id.desc()).options(*ROW_OPTIONS)


def unread_shared_count_statement(user: User) -> sa.Select:
    """Live (released) advisories shared with the user that they never opened: the navigation's count."""
    return listing.counting(permissions.visible_advisories(user).where(
        Adv.status == AdvisoryStatus.RELEASED, _not_own(user), _unread(user)))


def marks(user: User, ids: Iterable[int]) -> tuple[set[int], set[int]]:
    """(restricted, unread): of `ids`, the advisories the user may read in their restricted edition, and those
    they never opened; one statement."""
    ids = [i for i in ids if i is not None]
    if not ids:
        return set(), set()
    rows = db.session.execute(sa.select(Adv.id, permissions.advisory_restricted_condition(user), _unread(user))
                              .where(Adv.id.in_(ids))).all()
    return {i for i, restricted, _ in rows if restricted}, {i for i, _, unread in rows if unread}


CSV_COLUMNS = [
    ("Reference", lambda a: a.reference), ("Kind", lambda a: a.kind), ("Status", lambda a: a.status),
    ("Severity", lambda a: a.severity), ("TLP", lambda a: a.tlp), ("Released", lambda a: a.released_at),
]
