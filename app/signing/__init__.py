from flask import Blueprint

# Signature requests, signing, the executed document and /verify: one feature over the agreements.
bp = Blueprint("signing", __name__)

from app.signing import routes, routes_verify  # noqa: E402,F401  -- attach the views to bp
