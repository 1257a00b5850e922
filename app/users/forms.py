"""User administration forms."""
from wtforms import BooleanField
from wtforms import EmailField
from wtforms import PasswordField
from wtforms import SelectField
from wtforms import StringField
from wtforms.fields import SelectChoice
from wtforms.validators import DataRequired
from wtforms.validators import Email
from wtforms.validators import Length
from wtforms.validators import Optional

from app.auth.passwords import MAX_LENGTH
from app.forms import VersionedForm
from app.forms import enum_select
from app.forms import optional_id
from app.forms import record_choices
from app.models import Role


class UserForm(VersionedForm):
    email = EmailField("Email", validators=[DataRequired(), Length(max=254),
                                            Email(check_deliverability=False, message="Enter a valid email address.")])
    name = StringField("Full name", validators=[DataRequired(), Length(max=120)])
    title = StringField("Job title", validators=[Optional(), Length(max=120)])
    phone = StringField("Phone", validators=[Optional(), Length(max=40)])
    organization_id = SelectField("Organisation", coerce=int, validators=[DataRequired()])
    role = enum_select("Role", Role, default=Role.MEMBER,  # least privilege unless the admin picks more
                       description="Coordinators manage records; members work on assigned "
                                   "tasks; executives read and download reports.")
    active = BooleanField("Active", default=True)

    def __init__(self, *args, organizations=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.organization_id.choices = record_choices(organizations)


class NewUserForm(UserForm):
    """No password: the new user gets an invitation e-mail with a single-use link to choose one.

    No organisation is preselected: the first in the list is rarely the right one, and a person put in the
    wrong organisation sees that organisation's records."""

    organization_id = SelectField("Organisation", coerce=optional_id,
                                  validators=[DataRequired(message="Choose the user's organisation.")])

    def __init__(self, *args, organizations=(), **kwargs):
        super().__init__(*args, organizations=organizations, **kwargs)
        self.organization_id.choices = [SelectChoice(value="", label="Choose an organisation…"),
                                        *self.organization_id.choices]


class SetPasswordForm(VersionedForm):
    password = PasswordField("New password", validators=[DataRequired(), Length(max=MAX_LENGTH)],
                             description="At least 12 characters. Every session of the user ends, and they "
                                         "must change it when they next sign in.")
