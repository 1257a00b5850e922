"""Views of the working groups: groups.py (the group itself), members.py, tasks.py (new task).

Every view loads its group through get_visible_working_group(): a group out of the user's scope is
404 on every sub-route, so its existence is never confirmed.
"""
from app import lifecycle
from app.models import WorkingGroup


def get_visible_working_group(working_group_id: int) -> WorkingGroup:
    return lifecycle.get_visible(WorkingGroup, working_group_id)


from app.working_groups.routes import groups  # noqa: E402,F401  -- attach the views to bp
from app.working_groups.routes import members  # noqa: E402,F401  -- attach the views to bp
from app.working_groups.routes import tasks  # noqa: E402,F401  -- attach the views to bp
