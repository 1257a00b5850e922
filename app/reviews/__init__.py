"""Review of agreements and incident plans: rounds, named reviewers, requesting changes (no pages of
its own: the records' status routes call the services; templates/reviews/_panel.html draws the forms)."""
from flask import Blueprint

bp = Blueprint("reviews", __name__)

from app.reviews import routes  # noqa: E402,F401  -- template helpers
