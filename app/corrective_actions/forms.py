"""The corrective action's status step and its edit form (it is added on the exercise's page)."""
from app.forms import CorrectiveActionForm, StatusChangeForm, VersionedForm, enum_select
from app.models import CorrectiveActionStatus


class CorrectiveStatusForm(StatusChangeForm):
    new_status = enum_select("New status", CorrectiveActionStatus)


class CorrectiveActionEditForm(CorrectiveActionForm, VersionedForm):
    """An action of the improvement plan, on the version it was loaded from (409 conflict page when stale)."""
