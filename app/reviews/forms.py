from wtforms import TextAreaField

from app.forms import AppForm, MultiCheckboxField
from app.models import COMMENT_MAX_CHARS


class ReviewStepForm(AppForm):
    """The review part of a status change: reviewers named on submission, the comment on "Request
    changes". The status form around it carries the CSRF token; the service checks the content."""

    class Meta:
        csrf = False

    reviewers = MultiCheckboxField("Reviewers (optional)", coerce=int, validate_choice=False)
    comment = TextAreaField("What should change", render_kw={"maxlength": COMMENT_MAX_CHARS, "rows": 2})
