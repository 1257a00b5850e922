"""Exercise and improvement-plan forms. Choices come from the caller's scoped queries, so a forged id is
"Not a valid choice"; times are typed in the user's time zone and handed over in UTC. Forms never write."""
from datetime import UTC
from zoneinfo import ZoneInfo
from zoneinfo import ZoneInfoNotFoundError

from wtforms import DateTimeLocalField
from wtforms import IntegerField
from wtforms import SelectField
from wtforms import SelectMultipleField
from wtforms import StringField
from wtforms import TextAreaField
from wtforms.fields import SelectChoice
from wtforms.validators import DataRequired
from wtforms.validators import InputRequired
from wtforms.validators import Length
from wtforms.validators import NumberRange
from wtforms.validators import Optional
from wtforms.validators import ValidationError

from app.forms import ModelForm
from app.forms import RecipientsField
from app.forms import VersionedForm
from app.forms import enum_select
from app.forms import optional_id
from app.forms import record_choices
from app.forms import status_change_form
from app.forms import tlp_field
from app.forms import user_label
from app.models import CORE_CAPABILITIES
from app.models import ExerciseStatus
from app.models import ExerciseType
from app.models import ParticipantRole
from app.models import Rating

TEXT_MAX = 100_000
TIME_FORMAT = "%Y-%m-%dT%H:%M"


def _zone(name: str | None):
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


class ExerciseForm(ModelForm):
    type = enum_select("Type (HSEEP)", ExerciseType, default=ExerciseType.TABLETOP)
    title = StringField("Title", validators=[DataRequired(), Length(max=200)])
    scenario = TextAreaField("Scenario", validators=[Length(max=TEXT_MAX)],
                             description="Markdown. What players are told in the situation manual.")
    starts_at = DateTimeLocalField("Starts", format=TIME_FORMAT, validators=[InputRequired(message="Say when it starts.")])
    ends_at = DateTimeLocalField("Ends", format=TIME_FORMAT, validators=[InputRequired(message="Say when it ends.")])
    organization_ids = SelectMultipleField("Participating organisations", coerce=int, validators=[Optional()],
                                           description="Your organisation leads; add the partners taking part.")
    incident_plan_id = SelectField("Incident-response plan exercised", coerce=optional_id, validators=[Optional()],
                                   description="This exact version is recorded; a later revision does not move it.")
    agreement_ids = SelectMultipleField("Agreements tested", coerce=int, validators=[Optional()])
    tlp = tlp_field(description="Traffic Light Protocol 2.0: who may read the exercise and its documents.")
    recipients = RecipientsField()

    def __init__(self, *args, organizations=(), plans=(), agreements=(), zone_name: str = "UTC", users=(),
                 creator_id: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.zone_name = zone_name
        self.recipients.offer(users, creator_id)
        self.organization_ids.choices = record_choices(organizations)
        self.incident_plan_id.choices = [SelectChoice("", "— None —"), *record_choices(
            plans, label=lambda p: f"{p.reference} v{p.version_label} — {p.title} ({p.status.label.lower()})")]
        self.agreement_ids.choices = record_choices(agreements, label=lambda a: f"{a.reference} — {a.title}")

    def utc(self, name: str):
        value = self[name].data
        return value.replace(tzinfo=_zone(self.zone_name)).astimezone(UTC) if value else None

    def validate_ends_at(self, field):
        if self.starts_at.data and field.data and field.data <= self.starts_at.data:
            raise ValidationError("The exercise must end after it starts.")

    def model_data(self, exclude: tuple[str, ...] = ()) -> dict:
        data = super().model_data(("organization_ids", "incident_plan_id", "agreement_ids", "recipients", *exclude))
        data["starts_at"], data["ends_at"] = self.utc("starts_at"), self.utc("ends_at")
        return data


class ExerciseEditForm(ExerciseForm, VersionedForm):
    """The planned exercise's facts, on the version they were loaded from (409 conflict page when stale)."""

    def load(self, exercise) -> None:
        """On GET: the links as ids and the stored times as the user's wall clock."""
        zone = _zone(self.zone_name)
        self.starts_at.data = exercise.starts_at.astimezone(zone).replace(tzinfo=None)
        self.ends_at.data = exercise.ends_at.astimezone(zone).replace(tzinfo=None)
        self.organization_ids.data = [o.id for o in exercise.organizations]
        self.agreement_ids.data = [a.id for a in exercise.agreements]
        self.incident_plan_id.data = exercise.incident_plan_id
        self.recipients.data = [u.id for u in exercise.recipients]


class ParticipantForm(ModelForm):
    user_id = SelectField("Person", coerce=int, validators=[InputRequired()])
    role = enum_select("Role", ParticipantRole, default=ParticipantRole.PLAYER)

    def __init__(self, *args, people=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.user_id.choices = record_choices(people, label=user_label)


class ObjectiveForm(ModelForm):
    text = TextAreaField("Objective", validators=[DataRequired(), Length(max=2_000)],
                         description="Specific, measurable, achievable, relevant, time-bound.")
    core_capability = SelectField("Core capability", validators=[InputRequired()],
                                  choices=[SelectChoice(k, v) for k, v in CORE_CAPABILITIES.items()])


class InjectForm(ModelForm):
    number = IntegerField("Number", validators=[Optional(), NumberRange(min=1, max=9999)])
    offset_minutes = IntegerField("Time (minutes from start)", default=0,
                                  validators=[InputRequired(), NumberRange(min=0, max=60 * 24 * 30)])
    from_ = StringField("From", validators=[Length(max=200)], description="Who sends it in the scenario.")
    to = StringField("To", validators=[Length(max=200)], description="Who it is addressed to in the scenario.")
    to_organization_id = SelectField("Players reached", coerce=optional_id, validators=[Optional()])
    message = TextAreaField("Message", validators=[DataRequired(), Length(max=20_000)])
    expected_action = TextAreaField("Expected action", validators=[Length(max=20_000)])

    def __init__(self, *args, organizations=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.to_organization_id.choices = [SelectChoice("", "Every player"), *record_choices(organizations)]


class EvaluationForm(ModelForm):
    rating = SelectField("Rating", validators=[InputRequired(message="Rate P, S, M or U.")],
                         choices=[SelectChoice(r.value, r.label) for r in Rating])
    critical_tasks = TextAreaField("Critical tasks", validators=[Length(max=TEXT_MAX)])
    strengths = TextAreaField("Strengths", validators=[Length(max=TEXT_MAX)])
    areas_for_improvement = TextAreaField("Areas for improvement", validators=[Length(max=TEXT_MAX)])


ExerciseStatusForm = status_change_form(ExerciseStatus)
