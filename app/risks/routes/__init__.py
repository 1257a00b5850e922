"""Risk register views. Every load goes through the scoped loaders below: out of scope is 404."""
from flask_login import current_user

from app import lifecycle
from app import permissions
from app.extensions import db
from app.models import Mitigation
from app.models import Risk


def get_visible_risk(risk_id: int) -> Risk:
    """404, not 403, outside the user's scope: don't confirm that the risk exists."""
    return lifecycle.get_visible(Risk, risk_id)


def get_visible_mitigation(risk_id: int, mitigation_id: int) -> tuple[Risk, Mitigation]:
    """A mitigation of an invisible risk, or of another risk than the one in the URL, is 404."""
    risk = get_visible_risk(risk_id)
    mitigation = db.first_or_404(permissions.visible_mitigations(current_user)
                                 .where(Mitigation.id == mitigation_id, Mitigation.risk_id == risk.id))
    return risk, mitigation


from app.risks.routes import mitigations  # noqa: E402,F401  -- attach the views to bp
from app.risks.routes import risks  # noqa: E402,F401  -- attach the views to bp
