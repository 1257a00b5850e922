from flask import Blueprint

bp = Blueprint("risks", __name__, url_prefix="/risks")

from app.risks import routes  # noqa: E402,F401  -- attach the views to bp
