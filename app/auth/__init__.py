from flask import Blueprint

bp = Blueprint("auth", __name__, url_prefix="/auth")

from app.auth import routes  # noqa: E402,F401  -- attach the views to bp
from app.auth import routes_account  # noqa: E402,F401  -- attach the views to bp
from app.auth import routes_links  # noqa: E402,F401  -- attach the views to bp
