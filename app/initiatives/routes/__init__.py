"""Initiative views, split by concern: the list, the record pages and the inline milestones.

Every view loads its initiative through `get_visible_initiative` (404 outside the user's scope).
"""
from app import lifecycle
from app.models import Initiative


def get_visible_initiative(initiative_id: int) -> Initiative:
    """404, not 403, outside the user's scope: don't confirm that the record exists."""
    return lifecycle.get_visible(Initiative, initiative_id)


from app.initiatives.routes import listing  # noqa: E402,F401  -- attach the views to bp
from app.initiatives.routes import milestones  # noqa: E402,F401  -- attach the views to bp
from app.initiatives.routes import pages  # noqa: E402,F401  -- attach the views to bp
