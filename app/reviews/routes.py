"""Helpers for the agreements' and plans' status routes and detail pages (no URL of its own)."""
from flask_login import current_user

from app import permissions
from app.extensions import db
from app.models import Agreement, User
from app.reviews import bp, services
from app.reviews.forms import ReviewStepForm


def review_input(record) -> dict:
    """The reviewers and comment posted with a status change, as keyword arguments for the record's
    transition service. Reviewer ids are loaded through visible_users; the service checks eligibility."""
    form = ReviewStepForm()
    if not form.validate():  # a reviewer value that is not an id
        raise services.ReviewError("Pick reviewers from the list. Nothing was changed.")
    ids = list(form.reviewers.data or [])
    reviewers = list(db.session.scalars(permissions.visible_users(current_user).where(User.id.in_(ids)))) if ids else []
    if len(reviewers) != len(set(ids)):
        raise services.ReviewError("Pick reviewers from the list. Nothing was changed.")
    return {"comment": form.comment.data or "", "reviewers": reviewers}


@bp.app_template_global()
def review_panel(record) -> dict:
    """What templates/reviews/_panel.html shows for an agreement or a plan."""
    status = record.status.value
    review = services.current_review(record) if status == services.IN_REVIEW else None
    may_move = (permissions.can_transition_agreement(current_user, record) if isinstance(record, Agreement)
                else permissions.can_transition_incident_plan(current_user, record))
    may_submit = may_move and status == "draft" and services.IN_REVIEW in {s.value for s in record.allowed_transitions()}
    return {
        "review": review,
        "last": services.last_review(record) if status == "draft" else None,
        "may_submit": may_submit,
        "may_request_changes": may_move and status == services.IN_REVIEW,
        "eligible": services.eligible_reviewers(record, current_user) if may_submit else [],
        "form": ReviewStepForm(formdata=None),
    }
