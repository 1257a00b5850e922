"""Comments on records: add one (sanitised Markdown, length-limited, audited), list them, and who follows.

The comment is written, audited on its record (so it shows in the record's history) and its followers
are notified, all in the caller's transaction: the service flushes, the view commits.
"""
import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from app import audit
from app import kinds
from app import permissions
from app.extensions import db
from app.models import COMMENT_MAX_CHARS
from app.models import Comment
from app.models import ReviewRequest
from app.models import Role
from app.models import User
from app.models import review_request_reviewers
from app.notifications.services import notify


class CommentError(ValueError):
    """The comment cannot be saved as written (empty, too long, control characters)."""


CONTROL_CHARACTERS = {chr(c) for c in range(32) if chr(c) not in "\t\n\r"} | {"\x7f"}


def clean_body(body: str | None) -> str:
    """The comment as stored: trimmed, checked; raises CommentError with a message for the author."""
    text = (body or "").replace("\r\n", "\n").strip()
    if not text:
        raise CommentError("Write a comment first: it cannot be empty.")
    if len(text) > COMMENT_MAX_CHARS:
        raise CommentError(f"A comment can be at most {COMMENT_MAX_CHARS:,} characters; "
                           f"this one has {len(text):,}.")
    if any(ch in CONTROL_CHARACTERS for ch in text):
        raise CommentError("Remove control characters from the comment.")
    return text


def add_comment(actor: User, record, body: str, *, action: str = "commented") -> Comment:
    """Add a comment to `record` (loaded through its visible_* scope). Raises CommentError, 403."""
    permissions.authorize(permissions.can_comment(actor, record))
    comment = write_comment(actor, record, body, action=action)
    notify(followers(record, exclude=actor), "comment", record, actor=actor, comment=comment)
    return comment


def write_comment(actor: User, record, body: str, *, action: str = "commented") -> Comment:
    """The comment itself, for callers that authorised the step already (requesting changes)."""
    text = clean_body(body)
    kind = kinds.kind_of(record)
    comment = Comment(object_type=kind.table, object_id=record.id, author=actor, body=text)
    db.session.add(comment)
    db.session.flush()
    excerpt = " ".join(text.split()).replace("; ", ", ")
    audit.record(actor, f"{kind.key}.{action}", record, summary=f"comment: {audit.display(excerpt)}")
    return comment


def comments_statement(record) -> sa.Select:
    """The comments on `record` with their authors (unordered: the page orders by time, the API by id)."""
    return (sa.select(Comment).where(Comment.linked_to(record))
            .options(selectinload(Comment.author).selectinload(User.organization)))


def comments_for(record) -> list[Comment]:
    return list(db.session.scalars(comments_statement(record).order_by(Comment.created_at, Comment.id)))


def followers(record, *, exclude: User | None = None) -> list[User]:
    """Who hears about a new comment: the record's creator, its named reviewers, its assignees and
    everyone who commented before, active accounts only, never the comment's author."""
    kind = kinds.kind_of(record)
    ids: set[int] = set()
    if record.created_by_id:
        ids.add(record.created_by_id)
    ids.update(db.session.scalars(sa.select(Comment.author_id).where(
        Comment.linked_to(record))))
    ids.update(db.session.scalars(
        sa.select(review_request_reviewers.c.user_id)
        .join(ReviewRequest, ReviewRequest.id == review_request_reviewers.c.review_request_id)
        .where(ReviewRequest.linked_to(record))))
    if kind.assignee and getattr(record, kind.assignee):
        ids.add(getattr(record, kind.assignee))
    for child in kinds.children_of(kind):  # a risk's mitigation assignees
        if child.assignee:
            ids.update(i for i in db.session.scalars(sa.select(getattr(child.model, child.assignee)).where(
                child.parent_key == record.id, child.model.archived_at.is_(None))) if i)
    if exclude is not None:
        ids.discard(exclude.id)
    if not ids:
        return []
    return list(db.session.scalars(sa.select(User).where(User.id.in_(ids), User.active.is_(True),
                                                         User.role != Role.ADMIN).order_by(User.id)))
