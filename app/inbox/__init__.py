from flask import Blueprint

bp = Blueprint("inbox", __name__, url_prefix="/inbox")

from app.inbox import routes  # noqa: E402,F401  -- attach the views to bp


@bp.record_once
def _load_sections(state) -> None:
    """Once the features are imported: the kinds' inbox sections (app/kinds.py) register themselves."""
    from app.inbox.providers import load_sections

    load_sections()


@bp.after_app_request
def _forget_counts_after_change(response):
    from app.inbox.navbar import forget_after_change

    return forget_after_change(response)
