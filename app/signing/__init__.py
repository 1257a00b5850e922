from flask import Blueprint

# Signature requests, signing, the executed document and /verify: one feature over the agreements.
bp = Blueprint("signing", __name__)

from app.signing import inbox  # noqa: E402,F401  -- views, inbox provider, job
from app.signing import jobs  # noqa: E402,F401  -- views, inbox provider, job
from app.signing import routes  # noqa: E402,F401  -- views, inbox provider, job
from app.signing import routes_verify  # noqa: E402,F401  -- views, inbox provider, job
