"""Form base classes, shared fields/validators, and the forms two features share (TaskForm)."""
from datetime import date, timedelta

from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.fields import SelectChoice, enum_choices, enum_coerce
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from app.models import TLP, Sector, TaskPriority, today

CONTROL_CHARACTERS = {chr(c) for c in range(32) if chr(c) not in "\t\n\r"} | {"\x7f"}


def strip_filter(value):
    return value.strip() if isinstance(value, str) else value


def no_control_characters(form, field):
    if isinstance(field.data, str) and any(ch in CONTROL_CHARACTERS for ch in field.data):
        raise ValidationError("Remove control characters from this field.")


class ModelForm(FlaskForm):
    """A FlaskForm whose data can be handed to a service as keyword arguments."""

    class Meta:
        def bind_field(self, form, unbound_field, options):
            # Trim every text input and refuse control characters (NUL, escape…) everywhere.
            filters = list(unbound_field.kwargs.get("filters", []))
            if unbound_field.field_class in (StringField,) or issubclass(unbound_field.field_class, StringField):
                filters.insert(0, strip_filter)
                unbound_field.kwargs["filters"] = filters
                validators = list(unbound_field.kwargs.get("validators") or [])
                validators.append(no_control_characters)
                unbound_field.kwargs["validators"] = validators
            return unbound_field.bind(form=form, **options)

    def model_data(self, exclude: tuple[str, ...] = ()) -> dict:
        skip = {"csrf_token", "submit", "version", "original", *exclude}
        return {name: field.data for name, field in self._fields.items()
                if name not in skip and field.type not in ("CSRFTokenField", "SubmitField")}


class OriginalValuesField(HiddenField):
    """The values the form was loaded with (JSON), filled in when the page is drawn.

    The conflict page compares them with the saved and the submitted values, so it marks only the
    fields both sides changed. A submitted value (a re-rendered form) is kept as it was.
    """

    owner = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.type = "HiddenField"  # drawn and skipped like any hidden field

    def _value(self):
        if self.data:
            return self.data
        if self.owner is None:
            return ""
        from app.conflicts import snapshot

        return snapshot(self.owner)


class VersionedForm(ModelForm):
    """Edit forms carry the version they were built from; the service refuses a stale one."""

    version = HiddenField()
    original = OriginalValuesField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.original.owner = self

    def expected_version(self) -> int | None:
        try:
            return int(self.version.data)
        except (TypeError, ValueError):
            return None


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def labelled_choices(enum_cls) -> list[SelectChoice]:
    return enum_choices(enum_cls, label=lambda member: member.label)


class EnumSelectField(SelectField):
    """A select over an enum whose unknown values read "Not a valid choice." like any other select."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError as exc:
            raise ValueError(self.gettext("Not a valid choice.")) from exc


def enum_select(label: str, enum_cls, **kwargs) -> SelectField:
    """A required select over a LabelledEnum; an unlisted value is "Not a valid choice"."""
    kwargs.setdefault("validators", [InputRequired()])
    return EnumSelectField(label, choices=labelled_choices(enum_cls), coerce=enum_coerce(enum_cls), **kwargs)


def tlp_field(label: str = "TLP label", **kwargs) -> SelectField:
    kwargs.setdefault("default", TLP.AMBER)
    kwargs.setdefault("description", "Traffic Light Protocol 2.0: who may read this record.")
    return enum_select(label, TLP, **kwargs)


def sectors_field(label: str = "Sectors", **kwargs) -> "MultiCheckboxField":
    return MultiCheckboxField(label, choices=labelled_choices(Sector), coerce=enum_coerce(Sector), **kwargs)


def record_choices(rows, label=lambda row: row.name) -> list[SelectChoice]:
    """Choices for a related record, built from a scoped query: a forged id is not a valid choice."""
    return [SelectChoice(value=str(row.id), label=label(row)) for row in rows]


def with_current(rows, current) -> list:
    """A picker's rows plus the records the edited record already holds (an archived organisation,
    a deactivated person): a stored value must always be among the choices, or an untouched save
    would drop it."""
    rows = list(rows)
    known = {row.id for row in rows}
    return rows + [row for row in current if row is not None and row.id not in known]


def keep_restricted_choice(field, stored_id: int | None, label: str) -> None:
    """Offer a stored link to a record the editor may not read, without naming it, so that saving
    the form keeps it (the value is the one already stored; nothing new becomes choosable)."""
    values = {str(choice.value if isinstance(choice, SelectChoice) else choice[0]) for choice in field.choices}
    if stored_id is not None and str(stored_id) not in values:
        field.choices.append(SelectChoice(value=str(stored_id), label=label))


def user_label(user) -> str:
    """How a person reads in every picker (members, assignees, RED recipients): name and organisation."""
    return f"{user.name} ({user.organization.display_name})" if user.organization else user.name


def optional_id(value):
    """coerce= for an optional related-record select: '' -> None, else int."""
    if value in (None, "", "None"):
        return None
    return int(value)


TASK_TITLE_MAX = 200
TASK_DESCRIPTION_MAX = 100_000
TASK_LATEST_DUE = timedelta(days=3660)  # ten years: a later date is a typo, not a plan


class TaskForm(VersionedForm):
    """A task of a working group: used by the tasks pages and by the group's "new task" page."""

    title = StringField("Title", validators=[DataRequired(), Length(max=TASK_TITLE_MAX)])
    description = TextAreaField("Description", validators=[Length(max=TASK_DESCRIPTION_MAX)],
                                description="What is to be done and what “done” means. Markdown is supported.")
    assignee_id = SelectField("Assignee", coerce=optional_id,
                              description="A member of the working group.")
    due_date = DateField("Due date", validators=[Optional()])
    priority = enum_select("Priority", TaskPriority, default=TaskPriority.MEDIUM)

    def __init__(self, *args, members=(), is_new: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.is_new = is_new
        self.assignee_id.choices = [SelectChoice("", "— Unassigned —"),
                                    *record_choices(members, label=user_label)]

    def validate_due_date(self, field):
        if field.data is None:
            return
        if field.data > today() + TASK_LATEST_DUE:
            raise ValidationError("Choose a due date within the next ten years.")
        if self.is_new and field.data < today():
            raise ValidationError("A new task cannot be due in the past.")
        if field.data < date(2000, 1, 1):
            raise ValidationError("Enter a real date.")


class EmptyForm(FlaskForm):
    """For POST-only buttons: carries the CSRF token."""



class StatusChangeForm(VersionedForm):
    """Every status change: the target status and the version of the record the page showed.

    Subclass per kind with `new_status = enum_select("New status", TheStatus)` and add fields (a
    note, a review date) as the step needs; app.lifecycle.transition answers a stale version with
    the 409 conflict page."""
