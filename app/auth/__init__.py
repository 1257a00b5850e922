from flask import Blueprint

bp = Blueprint("auth", __name__, url_prefix="/auth")

from app.auth import routes, routes_account, routes_links  # noqa: E402,F401  -- attach the views to bp
