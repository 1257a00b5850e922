"""Signing forms: issue for signature (a signatory per party), sign, decline, paper evidence, verify."""
import unicodedata

from flask_wtf.file import FileField
from flask_wtf.file import FileRequired
from wtforms import BooleanField
from wtforms import HiddenField
from wtforms import PasswordField
from wtforms import SelectField
from wtforms import StringField
from wtforms import TextAreaField
from wtforms.fields import DateField
from wtforms.fields import SelectChoice
from wtforms.validators import DataRequired
from wtforms.validators import InputRequired
from wtforms.validators import Length
from wtforms.validators import Optional

from app.forms import AppForm
from app.forms import enum_select
from app.forms import no_control_characters
from app.forms import strip_filter
from app.forms import user_label
from app.models import SigningMode

PAPER = "paper"


def _folded(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore").decode().casefold().split())


def typed_signatory(party, users) -> str:
    """The user the agreement's parties table names as the party's signatory (by e-mail, else by name),
    preselected when the agreement is issued (again) for signature; "" when none matches."""
    email = (party.signatory_email or "").strip().casefold()
    name = _folded(party.signatory_name)
    for user in users:
        if email and user.email.casefold() == email:
            return str(user.id)
    matches = [u for u in users if name and _folded(u.name) == name]
    return str(matches[0].id) if len(matches) == 1 else ""


def issue_form_class(parties, candidates):
    """A form with one signatory select (and title) per signing party; choices from the party's own users."""

    class IssueForm(AppForm):
        mode = enum_select("Signing order", SigningMode, default=SigningMode.SEQUENTIAL,
                           description="Sequential: each signatory is asked when the one before has signed.")
        due_date = DateField("Sign by", validators=[Optional()])

        def assignments(self) -> list[tuple[int, int | None, str]]:
            """(organisation id, user id or None for paper, title) per party."""
            rows = []
            for party in parties:
                value = self[f"signatory_{party.organization_id}"].data
                rows.append((party.organization_id, None if value == PAPER else int(value),
                             self[f"title_{party.organization_id}"].data or ""))
            return rows

    for party in parties:
        users = candidates.get(party.organization_id, [])
        choices = [SelectChoice("", "Choose…")] + [SelectChoice(str(u.id), user_label(u)) for u in users]
        choices.append(SelectChoice(PAPER, "Signs on paper (the countersigned PDF is recorded by a coordinator)"))
        setattr(IssueForm, f"signatory_{party.organization_id}", SelectField(
            f"Signatory for {party.organization.name}", choices=choices, default=typed_signatory(party, users),
            validators=[InputRequired(message="Choose a signatory or paper.")]))
        setattr(IssueForm, f"title_{party.organization_id}", StringField(
            f"Title of the signatory for {party.organization.name}", default=party.signatory_title,
            filters=[strip_filter], validators=[Length(max=120), no_control_characters]))
    return IssueForm


class SignForm(AppForm):
    typed_name = StringField("Type your full name as your signature", filters=[strip_filter],
                             validators=[DataRequired(), Length(min=2, max=120), no_control_characters])
    password = PasswordField("Your password", validators=[DataRequired()])
    code = StringField("Authentication code (from your authenticator app, or a backup code)",
                       filters=[strip_filter], validators=[Optional(), Length(max=20)])
    consent = BooleanField("I agree to sign this document electronically; my typed name is my signature.",
                           validators=[DataRequired(message="Tick the box to agree to sign electronically.")])


class DeclineForm(AppForm):
    reason = TextAreaField("Why do you decline?", filters=[strip_filter],
                           validators=[DataRequired(), Length(min=3, max=4000), no_control_characters])


class PaperForm(AppForm):
    """A paper countersignature: who signed by hand, as what, when, and the countersigned PDF."""

    request_id = HiddenField(validators=[DataRequired()])
    signer_name = StringField("Name of the person who signed on paper", filters=[strip_filter],
                              validators=[DataRequired(message="Enter the name of the person who signed."),
                                          Length(min=2, max=120), no_control_characters])
    signer_title = StringField("Their title", filters=[strip_filter],
                               validators=[Optional(), Length(max=120), no_control_characters])
    signed_on = DateField("Date of signing (as written on the paper copy)",
                          validators=[InputRequired(message="Enter the date the paper copy was signed.")])
    file = FileField("Countersigned PDF (the whole document, every page)",
                     validators=[FileRequired(message="Choose the countersigned PDF.")])
    confirm = BooleanField("I declare that this is the copy countersigned by the person named above, who may "
                           "sign for this party.",
                           validators=[DataRequired(message="Tick the box to confirm the countersigned copy.")])


class VerifyForm(AppForm):
    file = FileField("PDF to check", validators=[FileRequired(message="Choose a PDF file.")])
