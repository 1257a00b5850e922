"""The corrective action's status step and its edit form (it is added on the exercise's page)."""
from app.forms import CorrectiveActionForm
from app.forms import VersionedForm
from app.forms import status_change_form
from app.models import CorrectiveActionStatus

CorrectiveStatusForm = status_change_form(CorrectiveActionStatus)


class CorrectiveActionEditForm(CorrectiveActionForm, VersionedForm):
    """An action of the improvement plan, on the version it was loaded from (409 conflict page when stale)."""
