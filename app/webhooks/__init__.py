"""Webhooks (issue 29): organisations' endpoints, the outbox of signed deliveries, the delivery log."""
from flask import Blueprint

bp = Blueprint("webhooks", __name__, url_prefix="/webhooks")


@bp.record_once
def _listen(_state) -> None:
    from app.webhooks import outbox

    outbox.install()


from app.webhooks import cli  # noqa: E402,F401  -- views, commands and background jobs
from app.webhooks import jobs  # noqa: E402,F401  -- views, commands and background jobs
from app.webhooks import routes  # noqa: E402,F401  -- views, commands and background jobs
