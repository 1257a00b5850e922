"""Views of the working groups: groups.py (the group itself), members.py, tasks.py (new task).

Every view loads its group through get_visible_working_group(): a group out of the user's scope is
404 on every sub-route, so its existence is never confirmed.
"""
from flask_login import current_user

from app import permissions
from app.extensions import db
from app.models import WorkingGroup


def get_visible_working_group(working_group_id: int) -> WorkingGroup:
    return db.first_or_404(permissions.visible_working_groups(current_user)
                           .where(WorkingGroup.id == working_group_id))


from app.working_groups.routes import groups, members, tasks  # noqa: E402,F401  -- attach the views to bp
