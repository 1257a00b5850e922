"""Form base classes, shared fields/validators, and the forms two features share (TaskForm, RiskFromRecordForm,
CorrectiveActionForm)."""
import unicodedata
from datetime import date
from datetime import timedelta

from flask_wtf import FlaskForm
from wtforms import BooleanField
from wtforms import DateField
from wtforms import HiddenField
from wtforms import IntegerField
from wtforms import PasswordField
from wtforms import SelectField
from wtforms import SelectMultipleField
from wtforms import StringField
from wtforms import TextAreaField
from wtforms.fields import SelectChoice
from wtforms.fields import enum_choices
from wtforms.fields import enum_coerce
from wtforms.validators import DataRequired
from wtforms.validators import InputRequired
from wtforms.validators import Length
from wtforms.validators import NumberRange
from wtforms.validators import Optional
from wtforms.validators import ValidationError
from wtforms.widgets import CheckboxInput
from wtforms.widgets import ListWidget

from app.models import COMMENT_MAX_CHARS
from app.models import TLP
from app.models import CapabilityElement
from app.models import Sector
from app.models import TaskPriority
from app.models import today

CONTROL_CHARACTERS = {chr(c) for c in range(32) if chr(c) not in "\t\n\r"} | {"\x7f"}


def normalize_text(value):
    """The one normalisation of typed text, for every text field of every form.

    Browsers send a textarea's line breaks as CRLF and may send decomposed accents; text is stored with
    LF line breaks, in Unicode NFC, without leading or trailing blanks, so an untouched field comes back
    byte-identical and saving it changes nothing. Blanks inside the text (a Markdown line break) stay."""
    if not isinstance(value, str):
        return value
    return unicodedata.normalize("NFC", value.replace("\r\n", "\n").replace("\r", "\n")).strip()


strip_filter = normalize_text  # the name the older forms use


def _password_strip(value):
    return value.strip() if isinstance(value, str) else value


def no_control_characters(form, field):
    if isinstance(field.data, str) and any(ch in CONTROL_CHARACTERS for ch in field.data):
        raise ValidationError("Remove control characters from this field.")


def _is_text(unbound_field) -> bool:
    return issubclass(unbound_field.field_class, StringField) and not issubclass(unbound_field.field_class,
                                                                                  PasswordField)


class AppForm(FlaskForm):
    """Every form's base: each text field (input or textarea) is normalised by normalize_text."""

    class Meta:
        def bind_field(self, form, unbound_field, options):
            # The unbound field is shared by every instance of the form: extend copies, never it.
            if _is_text(unbound_field):
                options = {**options, "filters": [normalize_text, *unbound_field.kwargs.get("filters", ())]}
            return unbound_field.bind(form=form, **options)


class ModelForm(AppForm):
    """A form whose data can be handed to a service as keyword arguments."""

    class Meta:
        def bind_field(self, form, unbound_field, options):
            # Refuse control characters (NUL, escape…) in every text input; passwords are only trimmed.
            if issubclass(unbound_field.field_class, StringField):
                options = {**options, "validators": [*(unbound_field.kwargs.get("validators") or ()),
                                                     no_control_characters]}
                if not _is_text(unbound_field):
                    options["filters"] = [_password_strip, *unbound_field.kwargs.get("filters", ())]
            return AppForm.Meta.bind_field(self, form, unbound_field, options)

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
    """Edit forms carry the version they were built from; the service refuses a stale one.

    `conflict_fields` is the one declaration of what the 409 conflict page (app/conflicts.py) sets side by
    side with the saved record: the names of the form's fields, or None for every field the user fills in."""

    version = HiddenField()
    original = OriginalValuesField()
    conflict_fields: tuple[str, ...] | None = None

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


def red_needs_recipients(form, field):
    """The TLP:RED rule of every record form: a RED record names at least one reader besides its creator
    (who always reads it)."""
    if getattr(form, "tlp", None) is None or form.tlp.data is not TLP.RED:
        return
    if not [uid for uid in (field.data or []) if uid != field.creator_id]:
        raise ValidationError("Name at least one recipient for TLP:RED, besides its creator (who always reads it).")


class RecipientsField(MultiCheckboxField):
    """The TLP:RED recipients of a record: the same field, named `recipients`, in every record form.

    The form's __init__ calls `offer(users, creator_id)` with the people from a scoped query (plus those the
    record already names), so a forged id is not a valid choice; `chosen()` gives the picked people back."""

    def __init__(self, label: str = "TLP:RED recipients", description: str = "Required for TLP:RED: the named "
                 "people who may read it (its creator always can).", **kwargs):
        super().__init__(label, coerce=int, validators=[red_needs_recipients], description=description, **kwargs)
        self.people, self.creator_id = [], None

    def offer(self, users, creator_id: int | None = None) -> None:
        self.people, self.creator_id = list(users), creator_id
        self.choices = record_choices(self.people, label=user_label)

    def chosen(self) -> list:
        """The picked people, from the same people as the choices (ids were validated against them)."""
        ids = set(self.data or [])
        return [user for user in self.people if user.id in ids]


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

    conflict_fields = ("title", "description", "due_date", "priority")

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


class EmptyForm(AppForm):
    """For POST-only buttons: carries the CSRF token."""



class StatusChangeForm(VersionedForm):
    """Every status change: the target status and the version of the record the page showed.

    A kind's status form is `status_change_form(TheStatus)`, or a subclass of it that adds the fields its
    step needs (a note, a review date). app.lifecycle.change_status answers a stale version with the 409
    conflict page."""


def status_change_form(status_enum) -> type[StatusChangeForm]:
    """The status form of a kind: its `new_status` select over `status_enum` (and the version it was built from)."""
    return type(f"{status_enum.__name__}ChangeForm", (StatusChangeForm,),
                {"new_status": enum_select("New status", status_enum)})


def decision_fields() -> tuple[BooleanField, TextAreaField]:
    """The executive report's pair on a record form: `decision_needed, decision_note = decision_fields()`
    (new fields at each call, so they stand where the form declares them)."""
    return (BooleanField("Decision needed from the executives",
                         description="Lists this item under “Decisions needed” in the executive report."),
            TextAreaField("Decision to take", validators=[Length(max=1000)],
                          description="The question the executives should decide, in one or two sentences."))


class ReviewStepForm(AppForm):
    """The review part of an agreement's or a plan's status change: reviewers named on submission, the
    comment on "Request changes". The status form around it carries the CSRF token; reviews.services
    .review_input checks the reviewers, the review step the comment."""

    class Meta:
        csrf = False

    reviewers = MultiCheckboxField("Reviewers (optional)", coerce=int, validate_choice=False)
    comment = TextAreaField("What should change", render_kw={"maxlength": COMMENT_MAX_CHARS, "rows": 2})


class RiskFromRecordForm(ModelForm):
    """A risk opened from a record (an incident report, an advisory) in the opener's own words: nothing of the
    record is copied into it."""

    title = StringField("Risk title", validators=[DataRequired(), Length(max=200)])
    description = TextAreaField("Description", validators=[Length(max=100_000)],
                                description="A sanitised description: the record keeps its own TLP.")
    sector = SelectField("Sector", choices=[SelectChoice(value="", label="—")] + labelled_choices(Sector),
                         coerce=lambda v: Sector(v) if v else None, validators=[Optional()])
    likelihood = SelectField("Likelihood", choices=[SelectChoice(value=str(n), label=str(n)) for n in range(1, 6)],
                             coerce=int, default="3", validators=[InputRequired()])
    impact = SelectField("Impact", choices=[SelectChoice(value=str(n), label=str(n)) for n in range(1, 6)],
                         coerce=int, default="3", validators=[InputRequired()])
    tlp = SelectField("TLP label", choices=[SelectChoice(value=t.value, label=t.label)
                                            for t in (TLP.GREEN, TLP.AMBER, TLP.AMBER_STRICT)],
                      coerce=TLP, default=TLP.AMBER.value, validators=[InputRequired()],
                      description="The risk is shared with the partners its mitigations are assigned to.")


class CorrectiveActionForm(ModelForm):
    """An action of an exercise's improvement plan: added on the exercise's page, edited on its own."""

    title = StringField("Corrective action", validators=[DataRequired(), Length(max=200)])
    area_for_improvement = TextAreaField("Area for improvement", validators=[DataRequired(), Length(max=20_000)])
    objective_id = SelectField("Objective", coerce=optional_id, validators=[Optional()])
    capability_element = enum_select("Capability element", CapabilityElement, default=CapabilityElement.PLANNING)
    responsible_organization_id = SelectField(
        "Responsible organisation", coerce=optional_id,
        validators=[InputRequired(message="Name the organisation responsible for the action.")])
    point_of_contact_id = SelectField("Point of contact", coerce=optional_id, validators=[Optional()])
    start_date = DateField("Start", validators=[Optional()])
    due_date = DateField("Due", validators=[Optional()])
    task_id = IntegerField("Carried out as working-group task #", validators=[Optional(), NumberRange(min=1)])
    mitigation_id = IntegerField("… or as risk mitigation #", validators=[Optional(), NumberRange(min=1)])
    incident_plan_id = IntegerField("… or as a revision of plan #", validators=[Optional(), NumberRange(min=1)])
    agreement_id = IntegerField("… or as an amendment of agreement #", validators=[Optional(), NumberRange(min=1)],
                                description="Optional links; each page links back. Ids you cannot read are ignored.")

    def __init__(self, *args, objectives=(), organizations=(), people=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.objective_id.choices = [SelectChoice("", "— None —"), *record_choices(
            objectives, label=lambda o: f"{o.position + 1}. {o.capability_label}")]
        self.responsible_organization_id.choices = [SelectChoice("", "— Choose —"), *record_choices(organizations)]
        self.point_of_contact_id.choices = [SelectChoice("", "— None —"), *record_choices(people, label=user_label)]

    def validate_responsible_organization_id(self, field):
        if field.data is None:
            raise ValidationError("Name the organisation responsible for the action.")

    def validate_due_date(self, field):
        if field.data and self.start_date.data and field.data < self.start_date.data:
            raise ValidationError("The due date cannot come before the start date.")
