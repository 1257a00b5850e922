"""Forms of the tasks: the task itself (coordinators) and the status update with a note (assignee too).

Tasks belong to the working-group feature: the "new task" page under /working-groups/<id>/tasks/new
uses TaskForm as well.
"""
from datetime import date, timedelta

from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.fields import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from app.forms import (
    StatusChangeForm,
    VersionedForm,
    enum_select,
    labelled_choices,
    optional_id,
    record_choices,
)
from app.models import TaskPriority, TaskStatus, today

TITLE_MAX = 200
DESCRIPTION_MAX = 100_000
NOTE_MAX = 2000
LATEST_DUE = timedelta(days=3660)  # ten years: a later date is a typo, not a plan


def member_label(user) -> str:
    org = user.organization.display_name if user.organization else ""
    return f"{user.name} ({org})" if org else user.name


class TaskForm(VersionedForm):
    title = StringField("Title", validators=[DataRequired(), Length(max=TITLE_MAX)])
    description = TextAreaField("Description", validators=[Length(max=DESCRIPTION_MAX)],
                                description="What is to be done and what “done” means. Markdown is supported.")
    assignee_id = SelectField("Assignee", coerce=optional_id,
                              description="A member of the working group.")
    due_date = DateField("Due date", validators=[Optional()])
    priority = enum_select("Priority", TaskPriority, default=TaskPriority.MEDIUM)

    def __init__(self, *args, members=(), is_new: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.is_new = is_new
        self.assignee_id.choices = [SelectChoice("", "— Unassigned —"),
                                    *record_choices(members, label=member_label)]

    def validate_due_date(self, field):
        if field.data is None:
            return
        if field.data > today() + LATEST_DUE:
            raise ValidationError("Choose a due date within the next ten years.")
        if self.is_new and field.data < today():
            raise ValidationError("A new task cannot be due in the past.")
        if field.data < date(2000, 1, 1):
            raise ValidationError("Enter a real date.")


class TaskStatusForm(StatusChangeForm):
    """A status change, a note, or both. The lifecycle (TASK_TRANSITIONS) is the service's check."""

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
