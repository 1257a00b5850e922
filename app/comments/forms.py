from wtforms import TextAreaField

from app.forms import AppForm
from app.models import COMMENT_MAX_CHARS


class CommentForm(AppForm):
    """Only carries the text; length and emptiness are checked by the service with a clear message."""

    body = TextAreaField("Comment", render_kw={"maxlength": COMMENT_MAX_CHARS, "rows": 3})
