"""The account page's form for a new personal access token."""
from wtforms import DateField
from wtforms import StringField
from wtforms.validators import DataRequired
from wtforms.validators import Length

from app.forms import ModelForm
from app.forms import enum_select
from app.models import TokenScope


class NewTokenForm(ModelForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=80)],
                       description="What uses it, e.g. “GRC sync” or “SIEM export”.")
    scope = enum_select("Access", TokenScope,
                        description="Read only, or read and write: a token acts as you, with your permissions.")
    expires_on = DateField("Expires on", validators=[DataRequired()], description="At most one year from today.")
