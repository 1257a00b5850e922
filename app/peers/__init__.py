from flask import Blueprint

# Peers (admin): the TAXII 2.1 servers this instance pulls from; the pull job and `flask peers pull`.
bp = Blueprint("peers", __name__, url_prefix="/peers")

from app.peers import jobs  # noqa: E402,F401  -- views, periodic pull
from app.peers import routes  # noqa: E402,F401  -- views, periodic pull
