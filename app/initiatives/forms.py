"""Initiative forms: the record itself, the quick health update, milestones and status buttons.

Related-record choices are passed in from scoped queries, so a forged or foreign id fails as
"Not a valid choice" and nothing is written.
"""
from wtforms import DateField
from wtforms import FieldList
from wtforms import FormField
from wtforms import SelectField
from wtforms import StringField
from wtforms import TextAreaField
from wtforms.fields import SelectChoice
from wtforms.validators import DataRequired
from wtforms.validators import Length
from wtforms.validators import Optional
from wtforms.validators import ValidationError

from app.forms import ModelForm
from app.forms import MultiCheckboxField
from app.forms import RecipientsField
from app.forms import VersionedForm
from app.forms import decision_fields
from app.forms import enum_select
from app.forms import optional_id
from app.forms import record_choices
from app.forms import sectors_field
from app.forms import status_change_form
from app.forms import tlp_field
from app.models import Health
from app.models import InitiativeStatus

REASON_MAX = 2000


def _require_reason_unless_green(health_field, reason_field) -> None:
    if health_field.data not in (None, Health.GREEN) and not (reason_field.data or "").strip():
        raise ValidationError("Explain why the initiative is not green.")


MAX_NEW_MILESTONES = 30


class MilestoneRowForm(ModelForm):
    """One new milestone on the create/edit form. An empty row is skipped; a date needs a title."""

    class Meta:
        csrf = False

    title = StringField("Milestone", validators=[Length(max=200)])
    due_date = DateField("Due date", validators=[Optional()])

    def validate_title(self, field):
        if not (field.data or "").strip() and self.due_date.data is not None:
            raise ValidationError("Give this milestone a title, or clear its date.")


class InitiativeForm(VersionedForm):
    conflict_fields = ("title", "objective", "description", "sectors", "start_date", "target_date", "health",
                       "health_reason", "tlp", "decision_needed", "decision_note")
    title = StringField("Title", validators=[DataRequired(), Length(max=200)])
    objective = TextAreaField("Objective", validators=[Optional(), Length(max=2000)],
                              description="One or two sentences: what the partners want to achieve.")
    description = TextAreaField("Description", validators=[Optional(), Length(max=100_000)],
                                description="Markdown: scope, approach, deliverables.")
    agreement_id = SelectField("Agreement", coerce=optional_id,
                               description="The partnership agreement this initiative runs under, if any.")
    lead_organization_id = SelectField("Lead organisation", coerce=optional_id,
                                       validators=[DataRequired(message="Choose the lead organisation.")])
    participant_ids = MultiCheckboxField("Participating organisations", coerce=int)
    sectors = sectors_field("Sectors")
    start_date = DateField("Start date", validators=[Optional()])
    target_date = DateField("Target date", validators=[Optional()])
    health = enum_select("Health", Health, default=Health.GREEN)
    # No Optional() here: it would stop the chain before the "required unless green" check.
    health_reason = TextAreaField("Health reason", validators=[Length(max=REASON_MAX)],
                                  description="Required when health is amber or red.")
    tlp = tlp_field()
    decision_needed, decision_note = decision_fields()
    recipients = RecipientsField()
    # Not named "milestones": the edit form is built with obj=initiative, and a field of that name
    # would be filled with the initiative's milestones, so every save would add them all again.
    new_milestones = FieldList(FormField(MilestoneRowForm), label="New milestones", min_entries=0,
                               max_entries=MAX_NEW_MILESTONES,
                               description="Leave a row empty to skip it. Edit existing milestones on the "
                                           "initiative's page.")

    def milestone_rows(self) -> list[dict]:
        """The filled-in new milestones (empty rows dropped)."""
        return [{"title": entry.form.title.data.strip(), "due_date": entry.form.due_date.data}
                for entry in self.new_milestones if (entry.form.title.data or "").strip()]

    def record_data(self) -> dict:
        """The initiative's own fields and participants; its recipients are `recipients.chosen()`."""
        return self.model_data(exclude=("new_milestones", "recipients"))

    def __init__(self, *args, agreements=(), organizations=(), users=(), creator_id: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.agreement_id.choices = [SelectChoice(value="", label="— none —"),
                                     *record_choices(agreements, label=_agreement_label)]
        org_choices = record_choices(organizations)
        self.lead_organization_id.choices = [SelectChoice(value="", label="— choose —"), *org_choices]
        self.participant_ids.choices = list(org_choices)
        self.recipients.offer(users, creator_id)

    def validate_target_date(self, field):
        if field.data and self.start_date.data and field.data < self.start_date.data:
            raise ValidationError("The target date must be on or after the start date.")

    def validate_health_reason(self, field):
        _require_reason_unless_green(self.health, field)


def _agreement_label(agreement) -> str:
    return f"{agreement.reference} · {agreement.title}"


class HealthForm(VersionedForm):
    """The quick health update on the detail page."""

    health = enum_select("Health", Health)
    health_reason = TextAreaField("Reason", validators=[Length(max=REASON_MAX)],
                                  description="Required when health is amber or red.")

    def validate_health_reason(self, field):
        _require_reason_unless_green(self.health, field)


class MilestoneForm(ModelForm):
    title = StringField("Milestone", validators=[DataRequired(), Length(max=200)])
    due_date = DateField("Due date", validators=[Optional()])


TransitionForm = status_change_form(InitiativeStatus)  # one-button form: the target status and the version
