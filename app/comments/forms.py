from flask_wtf import FlaskForm
from wtforms import TextAreaField

from app.models import COMMENT_MAX_CHARS


class CommentForm(FlaskForm):
    """Only carries the text; length and emptiness are checked by the service with a clear message."""

    body = TextAreaField("Comment", render_kw={"maxlength": COMMENT_MAX_CHARS, "rows": 3})
