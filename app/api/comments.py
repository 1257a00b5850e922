"""Comments on every kind that takes them (its registry entry says so): GET and POST
/api/v1/<kind's page path>/<id>/comments/ — /api/v1/agreements/7/comments/, /api/v1/incidents/3/comments/.

The record is loaded in the scope the comment panel uses (permissions.readable_in_full: for an advisory, the
readers of its restricted edition), so out of scope is 404; the comments service decides who may comment (403)
and what a comment may hold (422 naming `body`), notifies the followers and audits it with the token's name.
"""
from datetime import datetime

from flask import jsonify
from flask import request
from flask import url_for
from flask_login import current_user
from pydantic import Field

from app import kinds
from app import permissions
from app.api import bp
from app.api import paging
from app.api.paging import ListQuery
from app.api.paging import Page
from app.api.schemas import Body
from app.api.schemas import RecordOut
from app.api.schemas import UserRef
from app.api.spec import Responses
from app.api.spec import spec
from app.api.writes import created
from app.api.writes import field_error
from app.comments import services
from app.extensions import db
from app.models import COMMENT_MAX_CHARS
from app.models import Comment

TAGS = ("Comments",)


class CommentOut(RecordOut):
    author: UserRef
    body: str = Field(description="Markdown, as written (the pages show it sanitised).")
    created_at: datetime


class CommentIn(Body):
    body: str = Field(min_length=1, max_length=COMMENT_MAX_CHARS, description="Markdown.")


def page_path(kind: kinds.RecordKind) -> str:
    """The path of the kind's pages, which the API mirrors: the blueprint of its page (incidents → /incidents)."""
    return "/" + kind.blueprint.replace("_", "-")


def _record(kind: kinds.RecordKind, record_id: int):
    return db.first_or_404(permissions.readable_in_full(kind, current_user).where(kind.model.id == record_id))


def _out(comment: Comment) -> dict:
    return CommentOut.model_validate(comment).model_dump(mode="json")


def _register(kind: kinds.RecordKind) -> None:
    path = f"{page_path(kind)}/<int:{kind.id_arg}>/comments/"

    def list_comments(**values):
        record = _record(kind, values[kind.id_arg])
        return jsonify(paging.page_of(services.comments_statement(record), Comment.id, request.context.query, _out))

    def add_comment(**values):
        record = _record(kind, values[kind.id_arg])
        try:
            comment = services.add_comment(current_user, record, request.context.json.body)
        except services.CommentError as error:
            raise field_error("body", str(error)) from error
        return created(jsonify(_out(comment)), url_for(f"api.{kind.key}_comments", **values) + f"#comment-{comment.id}")

    list_comments.__doc__ = f"The comments on one {kind.label}, oldest first."
    add_comment.__doc__ = f"Comment on one {kind.label}: its followers are notified."
    bp.add_url_rule(path, endpoint=f"{kind.key}_comments", methods=["GET"], view_func=spec.validate(
        query=ListQuery, resp=Responses(HTTP_200=Page[CommentOut]), tags=TAGS,
        operation_id=f"list_{kind.key}_comments")(list_comments))
    bp.add_url_rule(path, endpoint=f"add_{kind.key}_comment", methods=["POST"], view_func=spec.validate(
        json=CommentIn, resp=Responses(HTTP_201=CommentOut), tags=TAGS,
        operation_id=f"add_{kind.key}_comment")(add_comment))


for _kind in kinds.with_comments():
    _register(_kind)
