"""Forms of the risk register: risks, mitigations, status changes. Choices come from scoped queries."""
from wtforms import DateField
from wtforms import IntegerField
from wtforms import SelectField
from wtforms import StringField
from wtforms import TextAreaField
from wtforms.fields import SelectChoice
from wtforms.validators import DataRequired
from wtforms.validators import InputRequired
from wtforms.validators import Length
from wtforms.validators import NumberRange
from wtforms.validators import Optional
from wtforms.validators import ValidationError

from app.forms import RecipientsField
from app.forms import VersionedForm
from app.forms import decision_fields
from app.forms import enum_select
from app.forms import optional_id
from app.forms import record_choices
from app.forms import status_change_form
from app.forms import tlp_field
from app.models import MitigationStatus
from app.models import RiskStatus
from app.models import Sector
from app.models import Treatment

LIKELIHOOD_LABELS = {1: "Rare", 2: "Unlikely", 3: "Possible", 4: "Likely", 5: "Almost certain"}
IMPACT_LABELS = {1: "Negligible", 2: "Minor", 3: "Moderate", 4: "Major", 5: "Severe"}

MARKDOWN_MAX = 100_000
TEXT_MAX = 20_000
NOTE_MAX = 2_000


def scale_choices(labels: dict[int, str], blank: str | None = None) -> list[SelectChoice]:
    choices = [SelectChoice(value="", label=blank)] if blank is not None else []
    return choices + [SelectChoice(value=str(n), label=f"{n} – {text}") for n, text in labels.items()]


def scale_int(value):
    """coerce= for a required 1–5 select: anything that is not a whole number fails."""
    return int(value)


def optional_sector(value):
    return None if value in (None, "", "None") else Sector(value)




class RiskForm(VersionedForm):
    title = StringField("Title", validators=[DataRequired(), Length(max=200)])
    description = TextAreaField("Description", validators=[Optional(), Length(max=MARKDOWN_MAX)],
                                description="Markdown: **bold**, lists, links, tables.")
    sector = SelectField("Sector", coerce=optional_sector, validators=[Optional()],
                         choices=[SelectChoice(value="", label="— none —")]
                         + [SelectChoice(value=s.value, label=s.label) for s in Sector])
    asset = StringField("Asset", validators=[Optional(), Length(max=200)],
                        description="The facility, system or service at risk.")
    threat = TextAreaField("Threat", validators=[Optional(), Length(max=TEXT_MAX)])
    vulnerability = TextAreaField("Vulnerability", validators=[Optional(), Length(max=TEXT_MAX)])
    likelihood = SelectField("Likelihood", coerce=scale_int, choices=scale_choices(LIKELIHOOD_LABELS),
                             validators=[InputRequired()])
    impact = SelectField("Impact", coerce=scale_int, choices=scale_choices(IMPACT_LABELS),
                         validators=[InputRequired()])
    treatment = enum_select("Treatment", Treatment,
                            description="Share: the risk is jointly owned by the partners.")
    residual_likelihood = SelectField("Residual likelihood", coerce=optional_id,
                                      choices=scale_choices(LIKELIHOOD_LABELS, blank="— not assessed —"),
                                      validators=[Optional()],
                                      description="After the planned mitigations. Give both residual values "
                                                  "or neither.")
    residual_impact = SelectField("Residual impact", coerce=optional_id,
                                  choices=scale_choices(IMPACT_LABELS, blank="— not assessed —"),
                                  validators=[Optional()])
    initiative_id = SelectField("Initiative", coerce=optional_id, validators=[Optional()])
    next_review_date = DateField("Next review", validators=[Optional()],
                                 description="Leave empty to set it from the level: critical 90 days, "
                                             "high 180 days, others 360 days.")
    tlp = tlp_field()
    decision_needed, decision_note = decision_fields()
    recipients = RecipientsField()

    def __init__(self, *args, initiatives=(), users=(), creator_id: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.initiative_id.choices = [SelectChoice(value="", label="— none —")] + record_choices(
            initiatives, label=lambda i: f"{i.reference} · {i.title}")
        self.recipients.offer(users, creator_id)

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        # Optional() stops a field's own chain when it is empty, so the pair is checked here.
        if (self.residual_likelihood.data is None) != (self.residual_impact.data is None):
            empty = self.residual_impact if self.residual_impact.data is None else self.residual_likelihood
            empty.errors = [*empty.errors, "Give both residual likelihood and residual impact, or neither."]
            valid = False
        return valid



class MitigationForm(VersionedForm):
    title = StringField("Title", validators=[DataRequired(), Length(max=200)])
    description = TextAreaField("Description", validators=[Optional(), Length(max=MARKDOWN_MAX)],
                                description="Markdown.")
    assigned_organization_id = SelectField(
        "Assigned organisation", coerce=optional_id, validators=[InputRequired()],
        description="The organisation that carries out this mitigation. It becomes a participant of the "
                    "risk: it can read the risk under TLP:AMBER and AMBER+STRICT, and its coordinators "
                    "can edit it.")
    assigned_user_id = SelectField("Assigned person", coerce=optional_id, validators=[Optional()],
                                   description="Must belong to the assigned organisation. They can update "
                                               "this mitigation's status.")
    due_date = DateField("Due date", validators=[Optional()])
    effectiveness = IntegerField("Effectiveness (%)", default=0,
                                 validators=[InputRequired(), NumberRange(min=0, max=100)],
                                 description="Estimated reduction of the risk, 0–100 %.")

    def __init__(self, *args, organizations=(), users=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.assigned_organization_id.choices = [SelectChoice(value="", label="— choose —")] + record_choices(
            organizations)
        # Each person carries their organisation: the page (JavaScript) offers only the people of the chosen
        # organisation; without JavaScript they are grouped by organisation. The check below stays the rule.
        self.assigned_user_id.choices = [SelectChoice(value="", label="— nobody yet —")] + [
            SelectChoice(value=str(u.id), label=u.name, render_kw={"data-group": str(u.organization_id)},
                         optgroup=u.organization.display_name if u.organization else None)
            for u in sorted(users, key=lambda u: ((u.organization.display_name if u.organization else ""),
                                                  u.name.lower()))]
        self.assigned_user_id.render_kw = {"data-depends-on": self.assigned_organization_id.id}
        # Which organisation each selectable person belongs to: checked below without a query.
        self._user_orgs = {u.id: u.organization_id for u in users}

    def validate_assigned_user_id(self, field):
        if field.data is not None and self._user_orgs.get(field.data) != self.assigned_organization_id.data:
            raise ValidationError("This person does not belong to the assigned organisation.")


class MitigationStatusForm(status_change_form(MitigationStatus)):
    effectiveness = IntegerField("Effectiveness (%)", validators=[InputRequired(), NumberRange(min=0, max=100)])
    note = TextAreaField("Note", validators=[Optional(), Length(max=NOTE_MAX)],
                         description="What was done, what is blocking (at most 2,000 characters).")


RiskStatusForm = status_change_form(RiskStatus)
