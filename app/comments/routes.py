"""POST a comment on a record: one URL per kind, each loading the record through its scope (for a kind read in
editions, the readers of its restricted text: permissions.readable_in_full); out of scope: 404, in scope but not
allowed to comment: 403."""
from flask import abort
from flask import flash
from flask import redirect
from flask import url_for
from flask_login import current_user

from app import kinds
from app import permissions
from app.comments import bp
from app.comments import services
from app.comments.forms import CommentForm
from app.extensions import db


def _detail_url(kind: kinds.RecordKind, record) -> str:
    return url_for(kind.endpoint, **kind.url_values(record)) + "#comments"


def _add(kind: kinds.RecordKind, object_id: int):
    # A kind read in editions: only the readers of the restricted text discuss it (the others get 404).
    record = db.first_or_404(permissions.readable_in_full(kind, current_user).where(kind.model.id == object_id))
    permissions.authorize(permissions.can_comment(current_user, record))
    form = CommentForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        services.add_comment(current_user, record, form.body.data)
    except services.CommentError as exc:
        db.session.rollback()
        flash(f"Comment not saved. {exc}", "danger")
    else:
        flash("Comment added.", "success")
    return redirect(_detail_url(kind, record))


def _register(kind: kinds.RecordKind) -> None:
    """POST /comments/<slug>/<id>, endpoint comments.<key>: one per kind that takes comments."""
    def view(**kwargs):
        return _add(kind, kwargs[kind.id_arg])

    bp.add_url_rule(f"/{kind.slug}/<int:{kind.id_arg}>", endpoint=kind.key, view_func=view, methods=["POST"])


for _kind in kinds.with_comments():
    _register(_kind)


@bp.app_template_global()
def comment_panel(record) -> dict:
    """What templates/comments/_panel.html shows for one record (comments, form, where to post)."""
    kind = kinds.kind_of(record)
    may_comment = current_user.is_authenticated and permissions.can_comment(current_user, record)
    return {
        "comments": services.comments_for(record),
        "form": CommentForm(formdata=None) if may_comment else None,
        "action": url_for(f"comments.{kind.key}", **{kind.id_arg: record.id}),
        "label": kind.label,
        # Who reads the comments (a kind read in editions: the readers of its restricted one only).
        "audience": f"this {kind.label}" + ("'s restricted edition" if hasattr(kind.model, "restricted_condition")
                                             else ""),
        "max_chars": services.COMMENT_MAX_CHARS,
    }
