"""Incident-response plan forms: the plan, its sections and contacts, approval and revision."""
from wtforms import BooleanField
from wtforms import DateField
from wtforms import HiddenField
from wtforms import SelectField
from wtforms import StringField
from wtforms import TextAreaField
from wtforms.fields import SelectChoice
from wtforms.fields import enum_coerce
from wtforms.validators import DataRequired
from wtforms.validators import Email
from wtforms.validators import InputRequired
from wtforms.validators import Length
from wtforms.validators import Optional
from wtforms.validators import Regexp
from wtforms.validators import ValidationError

from app.forms import AppForm
from app.forms import MultiCheckboxField
from app.forms import RecipientsField
from app.forms import StatusChangeForm
from app.forms import VersionedForm
from app.forms import enum_select
from app.forms import labelled_choices
from app.forms import record_choices
from app.forms import sectors_field
from app.forms import tlp_field
from app.models import Phase
from app.models import PlanStatus
from app.models import today
from app.models.incident_plan import latest_review_date

MARKDOWN_MAX = 100_000
CONTACT_ROLES = ("Incident response lead", "Deputy incident response lead", "Technical lead",
                 "Communications lead", "Legal counsel", "Executive sponsor", "CISA liaison",
                 "Sector risk management agency liaison", "ISAC liaison", "Partner liaison",
                 "Law enforcement liaison", "Insurance carrier")
TIERS = [SelectChoice(value="1", label="Tier 1 — first call"),
         SelectChoice(value="2", label="Tier 2 — escalate if tier 1 cannot contain"),
         SelectChoice(value="3", label="Tier 3 — executive / external escalation")]


class PlanForm(VersionedForm):
    conflict_fields = ("title", "scope", "sectors", "version_label", "tlp", "change_summary")
    title = StringField("Title", validators=[DataRequired(), Length(max=200)])
    scope = TextAreaField("Mission and scope", validators=[Length(max=MARKDOWN_MAX)],
                          description="Markdown. Systems, sites, sectors and partners the plan covers.")
    activation_criteria = TextAreaField(
        "Activation criteria", validators=[Length(max=MARKDOWN_MAX)],
        description="Markdown. The events or thresholds that put this plan into action, and who may declare it.")
    severity_levels = TextAreaField(
        "Severity levels", validators=[Length(max=MARKDOWN_MAX)],
        description="Markdown. How incidents are graded (e.g. a list from Severity 1 to 4) and what each level triggers.")
    distribution_list = TextAreaField(
        "Distribution list", validators=[Length(max=5000)],
        description="Who receives controlled copies of this plan: one recipient per line (name, role, organisation).")
    sectors = sectors_field("Sectors")
    covered_organization_ids = MultiCheckboxField(
        "Covered organisations", coerce=int,
        description="Partners this plan covers; they take part in the plan (TLP:AMBER scope, approval).")
    version_label = StringField("Version", default="1.0", validators=[
        DataRequired(), Length(max=20),
        Regexp(r"^[0-9A-Za-z][0-9A-Za-z.\-]*$", message="Use letters, digits, dots and dashes, e.g. 1.0.")])
    tlp = tlp_field()
    recipients = RecipientsField()
    change_summary = TextAreaField("Change summary", validators=[Length(max=20_000)],
                                   description="What changed in this version (the plan's change log).")

    def __init__(self, *args, organizations=(), users=(), owner_organization_id=None, creator_id=None, **kwargs):
        super().__init__(*args, **kwargs)
        # The records behind the choices, to turn the chosen ids back into records.
        self.organization_records = [o for o in organizations if o.id != owner_organization_id]
        self.covered_organization_ids.choices = record_choices(self.organization_records)
        self.recipients.offer(users, creator_id)


class SectionForm(VersionedForm):
    phase = enum_select("NIST SP 800-61 phase", Phase)
    title = StringField("Title", validators=[DataRequired(), Length(max=200)])
    body = TextAreaField("Procedure", validators=[Length(max=MARKDOWN_MAX)],
                         description="Markdown: steps, checklists, decision points.")


class ContactForm(VersionedForm):
    role = StringField("Role", validators=[DataRequired(), Length(max=120)],
                       description="e.g. Incident response lead, Communications lead, CISA liaison.")
    name = StringField("Name", validators=[DataRequired(), Length(max=120)])
    organization = StringField("Organisation", validators=[Length(max=200)])
    phone = StringField("Phone", validators=[
        Length(max=40), Regexp(r"^[0-9+()./ \-]*(?:\s*(?:ext\.?|x)\s*[0-9]+)?$",
                               message="Use digits, spaces and + ( ) - . only.")])
    email = StringField("Email", validators=[Optional(), Length(max=254), Email(check_deliverability=False)])
    escalation_tier = SelectField("Escalation tier", choices=TIERS, coerce=int, default=1,
                                  validators=[InputRequired()])
    available_24_7 = BooleanField("Reachable 24/7")

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if ok and not (self.phone.data or self.email.data):
            self.phone.errors.append("Give a phone number or an email address.")
            return False
        return ok


class StatusForm(StatusChangeForm):
    """change_status: the target status, plus the next review date when approving."""

    new_status = SelectField("New status", choices=labelled_choices(PlanStatus), coerce=enum_coerce(PlanStatus),
                             validators=[InputRequired()])
    next_review_date = DateField("Next review", validators=[Optional()])

    def validate_next_review_date(self, field):
        if self.new_status.data is not PlanStatus.APPROVED or field.data is None:
            return
        if field.data <= today():
            raise ValidationError("The next review must be after today.")
        if field.data > latest_review_date(today()):
            raise ValidationError("The next review may be at most 12 months after approval "
                                  f"(by {latest_review_date(today()).isoformat()}).")


class ReviseForm(AppForm):
    bump = SelectField("New version", choices=[SelectChoice(value="major", label="Major (1.0 → 2.0)"),
                                               SelectChoice(value="minor", label="Minor (1.0 → 1.1)")],
                       default="major", validators=[Optional()])


class MoveForm(AppForm):
    direction = HiddenField(validators=[InputRequired(), Regexp(r"^(up|down)$")])
