from flask import Blueprint

# PDF documents of every record kind live in one feature: rendering, issuing and downloads share rules.
bp = Blueprint("documents", __name__)

from app.documents import routes  # noqa: E402,F401  -- attach the views to bp
from app.documents import routes_exercises  # noqa: E402,F401  -- attach the views to bp
