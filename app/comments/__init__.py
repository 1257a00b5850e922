from flask import Blueprint

bp = Blueprint("comments", __name__, url_prefix="/comments")

from app.comments import routes  # noqa: E402,F401  -- attach the views to bp
