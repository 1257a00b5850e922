"""The task status update with a note (coordinators and the assignee).

The task form itself (TaskForm) is in app/forms.py: the tasks pages and the working group's
"new task" page (/working-groups/<id>/tasks/new) both use it.
"""

from wtforms import SelectField
from wtforms import TextAreaField
from wtforms.fields import SelectChoice
from wtforms.validators import Length
from wtforms.validators import ValidationError

from app.forms import StatusChangeForm
from app.forms import labelled_choices
from app.models import TaskStatus

NOTE_MAX = 2000


class TaskStatusForm(StatusChangeForm):
    """A status change, a note, or both. The lifecycle (Task.TRANSITIONS) is the service's check."""

    new_status = SelectField("New status", coerce=lambda v: TaskStatus(v) if v not in (None, "") else None)
    note = TextAreaField("Note", validators=[Length(max=NOTE_MAX)],
                         description="What happened, what is blocking, what is next (up to 2,000 characters).")

    def __init__(self, *args, task=None, **kwargs):
        super().__init__(*args, **kwargs)
        # Every status is a valid value here, so a move the lifecycle refuses gets its own clear message
        # from the model (the page itself only offers the allowed ones).
        self.new_status.choices = [SelectChoice("", "No change (add a note)"), *labelled_choices(TaskStatus)]

    def validate_note(self, field):
        if self.new_status.data is None and not (field.data or "").strip():
            raise ValidationError("Choose a new status or write a note.")
