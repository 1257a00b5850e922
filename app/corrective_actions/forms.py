"""The corrective action's status step (its other forms are written on the exercise's page)."""
from app.forms import StatusChangeForm, enum_select
from app.models import CorrectiveActionStatus


class CorrectiveStatusForm(StatusChangeForm):
    new_status = enum_select("New status", CorrectiveActionStatus)
