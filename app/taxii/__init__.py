from flask import Blueprint

# The TAXII 2.1 server (DESIGN.md, "Exchange and federation"): discovery at /taxii2/, one API root at
# /taxii2/api/, read-only collections of what the token's organisation may receive.
bp = Blueprint("taxii", __name__, url_prefix="/taxii2")

from app.extensions import csrf  # noqa: E402

csrf.exempt(bp)  # no cookie is ever read under /taxii2/ (app/bearer.py): nothing for a forged request to ride on

from app.taxii import routes  # noqa: E402,F401
