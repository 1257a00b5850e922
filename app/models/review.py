"""Comments on records and review rounds of agreements and incident plans.

Both point at their record by (object_type, object_id), object_type being the record's table name
(`agreements`, `incident_plans`, `initiatives`, `tasks`, `risks`), as audit events and documents do.
"""
from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from app.extensions import db
from app.models._common import LabelledEnum
from app.models._common import RecordLink
from app.models._common import enum_column_type
from app.models._common import utcnow

COMMENT_MAX_CHARS = 5000


class Comment(RecordLink, db.Model):
    __tablename__ = "comments"
    __table_args__ = (sa.Index("ix_comments_object", "object_type", "object_id"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    author_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"), index=True)
    body: so.Mapped[str] = so.mapped_column(sa.Text)
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

    author: so.Mapped["User"] = so.relationship()  # noqa: F821


class ReviewOutcome(LabelledEnum):
    OPEN = "open"
    CHANGES_REQUESTED = "changes_requested"
    APPROVED = "approved"
    CLOSED = "closed"  # the record left review another way (cancelled)
    # Someone changed the content during review: the record went back to draft (app/reviews/content.py).
    CONTENT_CHANGED = "content_changed"


review_request_reviewers = sa.Table(
    "review_request_reviewers",
    db.metadata,
    sa.Column("review_request_id", sa.ForeignKey("review_requests.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("user_id", sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class ReviewRequest(RecordLink, db.Model):
    """One submission of a record for review: who submitted it, whom they named, how it ended."""

    __tablename__ = "review_requests"
    __table_args__ = (sa.Index("ix_review_requests_object", "object_type", "object_id"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    submitted_by_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"), index=True)
    submitted_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    outcome: so.Mapped[ReviewOutcome] = so.mapped_column(enum_column_type(ReviewOutcome), index=True,
                                                         default=ReviewOutcome.OPEN)
    decided_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
    decided_at: so.Mapped[datetime | None]
    comment_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("comments.id"))
    # What was submitted (its digest binds the approval); None for rounds opened before versions were kept.
    content_version_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("content_versions.id"))

    submitted_by: so.Mapped["User"] = so.relationship(foreign_keys=[submitted_by_id])  # noqa: F821
    decided_by: so.Mapped["User | None"] = so.relationship(foreign_keys=[decided_by_id])  # noqa: F821
    reviewers: so.Mapped[list["User"]] = so.relationship(  # noqa: F821
        secondary=review_request_reviewers, order_by="User.name")
    comment: so.Mapped[Comment | None] = so.relationship()
    content_version: so.Mapped["ContentVersion | None"] = so.relationship()


# Each reviewed kind's rounds (`record.review_rounds`) are added by its entry in app/kinds.py (reviewed=True).


class ContentVersion(RecordLink, db.Model):
    """The reviewable content of an agreement or a plan as it stood after a change or a submission:
    the parts reviewers read (terms, parties, sections…) as JSON, and their SHA-256. Numbered per
    record from 1; a save that changes nothing reviewable writes no version."""

    __tablename__ = "content_versions"
    __table_args__ = (sa.UniqueConstraint("object_type", "object_id", "number"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    number: so.Mapped[int]
    digest: so.Mapped[str] = so.mapped_column(sa.String(64))
    content: so.Mapped[str] = so.mapped_column(sa.Text)
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    created_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))

    created_by: so.Mapped["User | None"] = so.relationship()  # noqa: F821
