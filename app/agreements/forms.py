"""Agreement create/edit form, with the parties as a repeatable block of sub-forms."""
from wtforms import BooleanField
from wtforms import DateField
from wtforms import FieldList
from wtforms import FormField
from wtforms import IntegerField
from wtforms import SelectField
from wtforms import StringField
from wtforms import TextAreaField
from wtforms.fields import SelectChoice
from wtforms.validators import DataRequired
from wtforms.validators import Email
from wtforms.validators import InputRequired
from wtforms.validators import Length
from wtforms.validators import NumberRange
from wtforms.validators import Optional
from wtforms.validators import ValidationError

from app.forms import ModelForm
from app.forms import RecipientsField
from app.forms import VersionedForm
from app.forms import enum_select
from app.forms import record_choices
from app.forms import sectors_field
from app.forms import status_change_form
from app.forms import tlp_field
from app.models import AgreementKind
from app.models import AgreementStatus
from app.models import PartyRole
from app.models import Sector

BLANK_PARTY_ROWS = 2
MAX_PARTIES = 40
SUMMARY_MAX = 5_000
TERMS_MAX = 100_000


class PartyForm(ModelForm):
    """One party row. No CSRF token of its own: the enclosing form carries it."""

    class Meta:
        csrf = False

    organization_id = SelectField("Organisation", coerce=lambda v: None if v in (None, "", "None") else int(v),
                                  validate_choice=True)
    party_role = enum_select("Party role", PartyRole, default=PartyRole.PARTNER)
    signatory_name = StringField("Signatory name", validators=[Length(max=120)])
    signatory_title = StringField("Signatory title", validators=[Length(max=120)])
    signatory_email = StringField("Signatory email", validators=[Optional(), Length(max=254),
                                                                  Email(message="Enter a valid email address.")])

    def is_blank(self) -> bool:
        return not (self.organization_id.data or self.signatory_name.data or self.signatory_title.data
                    or self.signatory_email.data)

    def validate_organization_id(self, field):
        if field.data is None and not self.is_blank():
            raise ValidationError("Choose the organisation of this party.")

    def validate_signatory_name(self, field):
        if not field.data and (self.signatory_title.data or self.signatory_email.data):
            raise ValidationError("Give the signatory's name (a title or email needs a name).")


class AgreementForm(VersionedForm):
    conflict_fields = ("title", "kind", "tlp", "summary", "terms", "sectors", "effective_date", "expiry_date",
                       "notice_days", "auto_renew")
    title = StringField("Title", validators=[DataRequired(), Length(max=200)])
    kind = enum_select("Kind", AgreementKind, default=AgreementKind.MOU)
    tlp = tlp_field()
    recipients = RecipientsField()
    summary = TextAreaField("Summary", validators=[Optional(), Length(max=SUMMARY_MAX)],
                            description="Plain text, up to 5,000 characters.")
    terms = TextAreaField("Terms", validators=[Optional(), Length(max=TERMS_MAX)],
                          description="Markdown (## headings, lists, **bold**, tables), up to 100,000 characters. "
                                      "Suggested sections: Purpose, Authorities, Responsibilities, Costs, "
                                      "Term and termination, Points of contact.")
    sectors = sectors_field()
    effective_date = DateField("Effective date", validators=[Optional()])
    expiry_date = DateField("Expiry date", validators=[Optional()],
                            description="Must be after the effective date.")
    notice_days = IntegerField("Notice period (days)", default=30,
                               validators=[InputRequired(), NumberRange(min=0, max=3650)])
    auto_renew = BooleanField("Renews automatically")
    parties = FieldList(FormField(PartyForm), label="Parties", min_entries=0, max_entries=MAX_PARTIES,
                        description="Leave a row empty to skip it. The owner organisation is always a party.")

    def __init__(self, *args, organizations=(), users=(), creator_id: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self._org_choices = [SelectChoice(value="", label="— choose an organisation —")] + record_choices(
            organizations)
        self.recipients.offer(users, creator_id)
        self._set_party_choices()

    def _set_party_choices(self) -> None:
        for entry in self.parties:
            entry.form.organization_id.choices = self._org_choices

    def add_blank_parties(self, count: int = BLANK_PARTY_ROWS) -> None:
        """Empty rows to add parties without JavaScript."""
        for _ in range(count):
            if len(self.parties) >= MAX_PARTIES:
                break
            self.parties.append_entry()
        self._set_party_choices()

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        # FieldList keeps an empty dict per valid row; drop them so the summary lists real problems only.
        self.parties.errors = [error for error in self.parties.errors if error]
        return valid

    def validate_expiry_date(self, field):
        start = self.effective_date.data
        if field.data and start and field.data <= start:
            raise ValidationError("The expiry date must be after the effective date.")

    def validate_parties(self, field):
        rows = self.party_rows()
        orgs = [row["organization_id"] for row in rows]
        if len(orgs) != len(set(orgs)):
            raise ValidationError("Each organisation can be a party only once.")
        if sum(1 for row in rows if row["party_role"] is PartyRole.LEAD) > 1:
            raise ValidationError("Only one party can be the lead.")

    def party_rows(self) -> list[dict]:
        """The filled-in party rows as plain dicts (blank rows dropped)."""
        rows = []
        for entry in self.parties:
            sub = entry.form
            if sub.is_blank() or sub.organization_id.data is None:
                continue
            rows.append({"organization_id": sub.organization_id.data, "party_role": sub.party_role.data,
                         "signatory_name": sub.signatory_name.data or "",
                         "signatory_title": sub.signatory_title.data or "",
                         "signatory_email": (sub.signatory_email.data or "").lower()})
        return rows

    def record_fields(self) -> dict:
        """The agreement's own columns; parties and recipients go to the service separately."""
        data = self.model_data(exclude=("parties", "recipients"))
        data["sectors"] = sorted((Sector(s) for s in data.get("sectors") or []), key=lambda s: s.value)
        data["summary"] = data.get("summary") or ""
        data["terms"] = data.get("terms") or ""
        return data


AgreementStatusForm = status_change_form(AgreementStatus)
