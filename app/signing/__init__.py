from flask import Blueprint

# Signature requests, signing, the executed document and /verify: one feature over the agreements.
bp = Blueprint("signing", __name__)

from app.signing import inbox, jobs, routes, routes_verify  # noqa: E402,F401  -- views, inbox provider, job
