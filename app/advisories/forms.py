"""Advisory forms; forms never write. Related records (co-authors, recipients, links) are offered from the
editor's scopes, so a forged id is "Not a valid choice"."""
from wtforms import DateField
from wtforms import SelectField
from wtforms import StringField
from wtforms import TextAreaField
from wtforms.fields import SelectChoice
from wtforms.validators import DataRequired
from wtforms.validators import InputRequired
from wtforms.validators import Length
from wtforms.validators import Optional
from wtforms.validators import ValidationError

from app.forms import ModelForm
from app.forms import MultiCheckboxField
from app.forms import RiskFromRecordForm  # noqa: F401  -- re-exported: the advisory's one-step risk
from app.forms import VersionedForm
from app.forms import enum_select
from app.forms import record_choices
from app.forms import sectors_field
from app.models import TLP
from app.models import AcknowledgementStatus
from app.models import AdvisoryKind
from app.models import Severity
from app.models import today

MARKDOWN_MAX = 100_000
LINKS = ("co_authors", "recipients", "risks", "incident_reports", "agreements")


class AdvisoryForm(VersionedForm):
    conflict_fields = ("kind", "title", "summary", "body", "recommended_actions", "severity", "tlp",
                       "acknowledgement_deadline", "public_title", "public_body")
    kind = enum_select("Kind", AdvisoryKind)
    title = StringField("Title", validators=[DataRequired(), Length(max=200)])
    summary = TextAreaField("Summary", validators=[Length(max=20_000)], description="Markdown. What and why.")
    body = TextAreaField("Details", validators=[Length(max=MARKDOWN_MAX)], description="Markdown.")
    recommended_actions = TextAreaField("Recommended actions", validators=[Length(max=MARKDOWN_MAX)],
                                        description="Markdown. What recipients should do.")
    sectors = sectors_field("Sectors concerned")
    severity = enum_select("Severity", Severity, default=Severity.MEDIUM)
    tlp = SelectField("TLP label", choices=[SelectChoice(value=t.value, label=t.label)
                                            for t in (TLP.CLEAR, TLP.GREEN, TLP.AMBER, TLP.AMBER_STRICT)],
                      coerce=TLP, default=TLP.AMBER.value, validators=[InputRequired()],
                      description="Of the restricted edition. AMBER+STRICT: authors and recipient organisations "
                                  "only; AMBER: also their clients; GREEN: the community; CLEAR: no limit.")
    acknowledgement_deadline = DateField("Acknowledge by", validators=[Optional()],
                                         description="High and critical advisories not acknowledged by then are "
                                                     "sent to the recipients' coordinators again.")
    co_authors = MultiCheckboxField("Co-authoring organisations", coerce=int,
                                    description="Each approves the text before the release.")
    recipients = MultiCheckboxField("Recipient organisations", coerce=int)
    recipient_sectors = sectors_field("Recipient sectors",
                                      description="Every organisation of these sectors at the release.")
    risks = MultiCheckboxField("Related risks", coerce=int)
    incident_reports = MultiCheckboxField("Related incident reports", coerce=int)
    agreements = MultiCheckboxField("Shared under (information-sharing agreements)", coerce=int)
    public_title = StringField("Public title", validators=[Length(max=200)],
                               description="Optional public edition, released as TLP:CLEAR beside the restricted "
                                           "one. Write it for the public: nothing is copied from the text above.")
    public_body = TextAreaField("Public text", validators=[Length(max=MARKDOWN_MAX)])

    def __init__(self, *args, organizations=(), risks=(), incident_reports=(), agreements=(), is_new=True,
                 **kwargs):
        super().__init__(*args, **kwargs)
        self.is_new = is_new
        self.co_authors.choices = record_choices(organizations)
        self.recipients.choices = record_choices(organizations)
        self.risks.choices = record_choices(risks, label=lambda r: f"{r.reference} — {r.title}")
        self.incident_reports.choices = record_choices(incident_reports, label=lambda r: r.reference)
        self.agreements.choices = record_choices(agreements, label=lambda a: f"{a.reference} — {a.title}")

    def validate_acknowledgement_deadline(self, field):
        if field.data is not None and self.is_new and field.data < today():
            raise ValidationError("The deadline cannot be in the past.")

    def validate_public_title(self, field):
        if not (field.data or "").strip() and (self.public_body.data or "").strip():
            raise ValidationError("A public edition needs its own title.")
        if (field.data or "").strip() and self.tlp.data is TLP.CLEAR:
            raise ValidationError("A TLP:CLEAR advisory is already public: leave the public edition empty.")

    def validate_recipients(self, field):
        if set(field.data or ()) & set(self.co_authors.data or ()):
            raise ValidationError("An organisation is either a co-author or a recipient.")


class AcknowledgeForm(ModelForm):
    status = enum_select("Acknowledgement", AcknowledgementStatus, default=AcknowledgementStatus.RECEIVED)
    note = TextAreaField("Note", validators=[Length(max=4000)], description="Seen by the authors.")


class WithdrawForm(ModelForm):
    reason = TextAreaField("Reason", validators=[DataRequired(message="Say why: every reader sees the reason."),
                                                 Length(max=2000)])


class TasksFromAdvisoryForm(ModelForm):
    working_group_id = SelectField("Working group", coerce=int, validators=[InputRequired()])
    titles = TextAreaField("Tasks", validators=[DataRequired(), Length(max=10_000)],
                           description="One task per line.")
    due_date = DateField("Due", validators=[Optional()])

    def __init__(self, *args, groups=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.working_group_id.choices = record_choices(groups)

    def task_titles(self) -> list[str]:
        return [line.strip()[:200] for line in (self.titles.data or "").splitlines() if line.strip()][:50]

    def validate_titles(self, field):
        if not self.task_titles():
            raise ValidationError("Write at least one task.")

    def validate_due_date(self, field):
        if field.data is not None and field.data < today():
            raise ValidationError("A new task cannot be due in the past.")
