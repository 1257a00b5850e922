from flask import Blueprint

bp = Blueprint("initiatives", __name__, url_prefix="/initiatives")

from app.initiatives import routes  # noqa: E402,F401  -- attach the views to bp
