"""POST a comment on a record: one URL per kind, each loading the record through its visible_* scope
(out of scope: 404; in scope but not allowed to comment: 403)."""
from flask import abort, flash, redirect, url_for
from flask_login import current_user

from app import permissions
from app.comments import bp, services
from app.comments.forms import CommentForm
from app.comments.specs import SPECS, CommentSpec, spec_for
from app.extensions import db


def _detail_url(spec: CommentSpec, record) -> str:
    return url_for(spec.detail_endpoint, **{spec.id_arg: record.id}) + "#comments"


def _add(spec: CommentSpec, object_id: int):
    record = db.first_or_404(spec.scope(current_user).where(spec.model.id == object_id))
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
        db.session.commit()
        flash("Comment added.", "success")
    return redirect(_detail_url(spec, record))


def _register(spec: CommentSpec) -> None:
    path = f"/{spec.table.replace('_', '-')}/<int:{spec.id_arg}>"

    def view(**kwargs):
        return _add(spec, kwargs[spec.id_arg])

    bp.add_url_rule(path, endpoint=spec.kind, view_func=view, methods=["POST"])


for _spec in SPECS:
    _register(_spec)


@bp.app_template_global()
def comment_panel(record) -> dict:
    """What templates/comments/_panel.html shows for one record (comments, form, where to post)."""
    spec = spec_for(record)
    may_comment = current_user.is_authenticated and permissions.can_comment(current_user, record)
    return {
        "comments": services.comments_for(record),
        "form": CommentForm(formdata=None) if may_comment else None,
        "action": url_for(f"comments.{spec.kind}", **{spec.id_arg: record.id}),
        "label": spec.label,
        "max_chars": services.COMMENT_MAX_CHARS,
    }
